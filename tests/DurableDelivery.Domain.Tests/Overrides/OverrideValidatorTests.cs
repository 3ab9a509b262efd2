using System.Text.Json;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Tests.Traffic;
using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Domain.Tests.Overrides;

public class OverrideValidatorTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 21, 1, 0, 0, TimeSpan.Zero);

    // demo-2 is last known good and takes all traffic; delivery/demo/3 bakes demo-3 at its first step; demo-1 is warm.
    private static EnvironmentState Baking(int canaryWeight = 10) => EnvironmentInvariantsTests.Promoted() with
    {
        Weights = TrafficWeights.Of(("demo-2", 100 - canaryWeight), ("demo-3", canaryWeight)),
    };

    private static EnvironmentState Idle() => EnvironmentInvariantsTests.Promoted() with { ActiveDelivery = null };

    private static T Make<T>(T request, string reason = "bad latency on checkout")
        where T : Override => request with { RequestedBy = "alice", Reason = reason, RequestedAt = At };

    private static string? Refusal(Override request, EnvironmentState state) => OverrideValidator.Validate(request, state)?.ToString();

    private static PauseOverride Pause(string? delivery = null) => Make(new PauseOverride { RequestedBy = "", Reason = "", RequestedAt = At, DeliveryId = delivery });

    private static ResumeOverride Resume() => Make(new ResumeOverride { RequestedBy = "", Reason = "", RequestedAt = At });

    private static PromoteOverride Promote() => Make(new PromoteOverride { RequestedBy = "", Reason = "", RequestedAt = At });

    private static AbortOverride Abort() => Make(new AbortOverride { RequestedBy = "", Reason = "", RequestedAt = At });

    private static RollbackOverride Rollback(string? to = null) => Make(new RollbackOverride { RequestedBy = "", Reason = "", RequestedAt = At, To = to });

    private static ExtendBakeOverride Extend(TimeSpan by) => Make(new ExtendBakeOverride { RequestedBy = "", Reason = "", RequestedAt = At, By = by });

    private static SetWeightsOverride SetWeights(TrafficWeights w) => Make(new SetWeightsOverride { RequestedBy = "", Reason = "", RequestedAt = At, Weights = w });

    [Fact]
    public void Validate_ValidOverrides_Accepted()
    {
        var paused = Baking() with { ActiveDelivery = Baking().ActiveDelivery! with { Paused = true } };

        Refusal(Pause("delivery/demo/3"), Baking()).ShouldBeNull();
        Refusal(Resume(), paused).ShouldBeNull();
        Refusal(Promote(), Baking()).ShouldBeNull();
        Refusal(Abort(), Baking()).ShouldBeNull();
        Refusal(Extend(TimeSpan.FromMinutes(5)), Baking()).ShouldBeNull();
        Refusal(Rollback(), Baking()).ShouldBeNull();
        Refusal(Rollback("demo-1"), Idle()).ShouldBeNull();
        Refusal(SetWeights(TrafficWeights.Of(("demo-2", 50), ("demo-3", 50))), Baking()).ShouldBeNull();
    }

    [Fact]
    public void Validate_MissingReasonOrRequester_Refused()
    {
        Refusal(Make(Pause(), reason: "  "), Baking()).ShouldBe("MissingAuditInfo: cannot pause: a reason is required; say why with --reason \"...\"");
        Refusal(Rollback() with { RequestedBy = "" }, Baking()).ShouldBe("MissingAuditInfo: cannot roll back: who asked is required (RequestedBy is empty)");
    }

    [Fact]
    public void Validate_DeliveryOverrides_WrongDelivery_Refused()
    {
        Refusal(Pause(), Idle()).ShouldBe("DeliveryNotActive: cannot pause: no delivery is active in environment 'demo'");
        Refusal(Pause("delivery/demo/2"), Idle()).ShouldBe("DeliveryNotActive: cannot pause: delivery 'delivery/demo/2' is not active; no delivery is active in environment 'demo'");
        Refusal(Pause("delivery/demo/2"), Baking()).ShouldBe("DeliveryNotActive: cannot pause: delivery 'delivery/demo/2' is not active; the active delivery is 'delivery/demo/3'");
        Refusal(Abort(), Idle()).ShouldBe("DeliveryNotActive: cannot abort: no delivery is active in environment 'demo'");
    }

    [Fact]
    public void Validate_PauseResume_WrongState_Refused()
    {
        var paused = Baking() with { ActiveDelivery = Baking().ActiveDelivery! with { Paused = true } };
        var rollingBack = Baking() with { ActiveDelivery = Baking().ActiveDelivery! with { Phase = DeliveryPhase.RollingBack } };

        Refusal(Resume(), Baking()).ShouldBe("WrongDeliveryState: cannot resume: delivery 'delivery/demo/3' is not paused");
        Refusal(Pause(), paused).ShouldBe("WrongDeliveryState: cannot pause: delivery 'delivery/demo/3' is already paused");
        Refusal(Pause(), rollingBack).ShouldBe("WrongDeliveryState: cannot pause: delivery 'delivery/demo/3' is already rolling back");
        Refusal(Abort(), rollingBack).ShouldBe("WrongDeliveryState: cannot abort: delivery 'delivery/demo/3' is already rolling back");
        Refusal(Promote(), rollingBack).ShouldBe("WrongDeliveryState: cannot promote: delivery 'delivery/demo/3' is already rolling back");
    }

    [Fact]
    public void Validate_Promote_InfraSetNotReady_Refused()
    {
        var provisioning = Idle() with { ActiveDelivery = new ActiveDelivery { DeliveryId = "delivery/demo/3", Phase = DeliveryPhase.Provisioning } };
        var unhealthy = Baking() with { InfraSets = [.. Baking().InfraSets.Select(s => s.Id == "demo-3" ? s with { Status = InfraSetStatus.Unhealthy } : s)] };
        var promoting = Baking() with { ActiveDelivery = Baking().ActiveDelivery! with { Phase = DeliveryPhase.Promoting } };

        Refusal(Promote(), provisioning).ShouldBe("InfraSetNotReady: cannot promote: delivery 'delivery/demo/3' has no infra-set yet (phase Provisioning)");
        Refusal(Promote(), unhealthy).ShouldBe("InfraSetNotReady: cannot promote: infra-set 'demo-3' is Unhealthy; only a healthy infra-set can take all traffic");
        Refusal(Promote(), promoting).ShouldBe("WrongDeliveryState: cannot promote: delivery 'delivery/demo/3' is already promoting");
    }

    [Fact]
    public void Validate_Abort_NothingToReturnTo_Refused()
    {
        var first = new EnvironmentState
        {
            Environment = "demo",
            InfraSets = [new InfraSet { Id = "demo-1", Status = InfraSetStatus.Healthy }],
            Weights = TrafficWeights.All("demo-1"),
            ActiveDelivery = new ActiveDelivery { DeliveryId = "delivery/demo/1", InfraSetId = "demo-1", Phase = DeliveryPhase.Baking },
        };
        var lkgDraining = Baking() with { InfraSets = [.. Baking().InfraSets.Select(s => s.Id == "demo-2" ? s with { Status = InfraSetStatus.Draining } : s)] };

        Refusal(Abort(), first).ShouldBe("NoRollbackTarget: cannot abort: delivery 'delivery/demo/1' is the environment's first and its infra-set takes the traffic; there is no last known good to return to");
        Refusal(Abort(), lkgDraining).ShouldBe("NoRollbackTarget: cannot abort: last known good infra-set 'demo-2' is not warm; roll back to a warm infra-set instead: demo-1");
        Refusal(Abort(), first with { Weights = TrafficWeights.None }).ShouldBeNull();
    }

    [Fact]
    public void Validate_Rollback_Targets()
    {
        var drainingOne = Idle() with { InfraSets = [.. Idle().InfraSets.Select(s => s.Id == "demo-1" ? s with { Status = InfraSetStatus.Draining } : s)] };

        Refusal(Rollback("x"), Idle()).ShouldBe("RollbackTargetInvalid: rollback target 'x' does not exist; warm infra-sets: demo-1, demo-2, demo-3");
        Refusal(Rollback("demo-1"), drainingOne).ShouldBe("RollbackTargetInvalid: rollback target 'demo-1' is not warm (Draining); warm infra-sets: demo-2, demo-3");
        Refusal(Rollback("demo-2"), Idle()).ShouldBe("RollbackTargetInvalid: cannot roll back: infra-set 'demo-2' already takes all traffic; other warm infra-sets: demo-1, demo-3");
        Refusal(Rollback("demo-3"), Baking()).ShouldBe("RollbackTargetInvalid: rollback target 'demo-3' is the new infra-set of active delivery 'delivery/demo/3'; use promote to move all traffic to it");
        Refusal(Rollback(), drainingOne with { InfraSets = [.. drainingOne.InfraSets.Where(s => s.Id != "demo-3")] }).ShouldBe("NoRollbackTarget: cannot roll back: demo-2 already takes 100% of traffic; no other warm infra-set to roll back to");
    }

    [Fact]
    public void Validate_Rollback_NoDefaultTarget_SaysWhatIsTrue()
    {
        var empty = new EnvironmentState { Environment = "demo" };
        var onlyOne = new EnvironmentState
        {
            Environment = "demo", InfraSets = [new InfraSet { Id = "demo-1", Status = InfraSetStatus.Healthy, PromotionSequence = 1 }], Weights = TrafficWeights.All("demo-1"), LastKnownGood = "demo-1",
        };
        var withRetired = onlyOne with { InfraSets = [.. onlyOne.InfraSets, new InfraSet { Id = "demo-2", Status = InfraSetStatus.Healthy, Retired = true }] };
        var lkgGone = withRetired with { Weights = TrafficWeights.All("demo-2"), InfraSets = [withRetired.InfraSets[0] with { Status = InfraSetStatus.Draining }, withRetired.InfraSets[1]] };

        Refusal(Rollback(), empty).ShouldBe("NoRollbackTarget: cannot roll back: no warm infra-set to roll back to; warm infra-sets: (none)");
        Refusal(Rollback(), onlyOne).ShouldBe("NoRollbackTarget: cannot roll back: demo-1 already takes 100% of traffic; no other warm infra-set to roll back to");
        Refusal(Rollback(), withRetired).ShouldBe("NoRollbackTarget: cannot roll back: demo-1 already takes 100% of traffic; no other warm infra-set to roll back to; demo-2 is warm but never promoted or rolled back from: name one with --to to use it anyway");
        Refusal(Rollback(), lkgGone).ShouldBe("NoRollbackTarget: cannot roll back: last known good 'demo-1' is not warm (Draining); warm infra-sets: demo-2");
    }

    [Fact]
    public void ResolveRollbackTarget_DefaultTargets()
    {
        OverrideValidator.ResolveRollbackTarget(Rollback(), Baking(), out var duringDelivery).ShouldBeNull();
        OverrideValidator.ResolveRollbackTarget(Rollback(), Idle(), out var afterPromotion).ShouldBeNull();

        duringDelivery.ShouldBe("demo-2");
        afterPromotion.ShouldBe("demo-1");
    }

    [Fact]
    public void Validate_SetWeights_BreakingInvariants_Refused()
    {
        Refusal(SetWeights(TrafficWeights.Of(("demo-2", 0), ("ghost", 0))), Baking()).ShouldBe(
            "InvalidWeights: cannot set weights: weights name infra-set 'ghost', which does not exist; infra-sets: demo-1, demo-2, demo-3; weights sum to 0; at least one infra-set must take traffic");
    }

    [Fact]
    public void Validate_ExtendBake_Refusals()
    {
        var shifting = Baking() with { ActiveDelivery = Baking().ActiveDelivery! with { Phase = DeliveryPhase.Shifting } };

        Refusal(Extend(TimeSpan.Zero), Baking()).ShouldBe("InvalidExtension: cannot extend bake: the extension must be positive, got 0s");
        Refusal(Extend(TimeSpan.FromSeconds(-30)), Baking()).ShouldBe("InvalidExtension: cannot extend bake: the extension must be positive, got -30s");
        Refusal(Extend(TimeSpan.FromHours(25)), Baking()).ShouldBe("InvalidExtension: cannot extend bake: 1d1h is more than the 1d limit; pause the delivery instead");
        Refusal(Extend(TimeSpan.FromMinutes(1)), shifting).ShouldBe("WrongDeliveryState: cannot extend bake: delivery 'delivery/demo/3' is not baking (phase Shifting)");
    }

    [Fact]
    public void Json_Polymorphic_RoundTrip()
    {
        Override[] all =
        [
            Pause("delivery/demo/3"), Resume(), Promote(), Abort(), Rollback("demo-1"), Extend(TimeSpan.FromMinutes(2)),
            SetWeights(TrafficWeights.Of(("demo-2", 50), ("demo-3", 50))),
        ];

        var json = JsonSerializer.Serialize(all);
        var back = JsonSerializer.Deserialize<Override[]>(json)!;

        back.ShouldBe(all);
        json.ShouldStartWith("""[{"kind":"pause","DeliveryId":"delivery/demo/3","RequestedBy":"alice","Reason":"bad latency on checkout","RequestedAt":"2026-11-21T01:00:00+00:00"}""");
        json.ShouldNotContain("Verb");
    }
}
