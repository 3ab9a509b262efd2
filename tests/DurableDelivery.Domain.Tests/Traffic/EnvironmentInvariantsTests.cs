using System.Text.Json;
using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Domain.Tests.Traffic;

public class EnvironmentInvariantsTests
{
    internal static EnvironmentState Promoted() => new()
    {
        Environment = "demo",
        InfraSets =
        [
            new InfraSet { Id = "demo-1", Status = InfraSetStatus.Healthy, PromotionSequence = 1 },
            new InfraSet { Id = "demo-2", Status = InfraSetStatus.Healthy, PromotionSequence = 2 },
            new InfraSet { Id = "demo-3", Status = InfraSetStatus.Healthy },
            new InfraSet { Id = "demo-0", Status = InfraSetStatus.Deleted, PromotionSequence = 0 },
        ],
        Weights = TrafficWeights.All("demo-2"),
        LastKnownGood = "demo-2",
        ActiveDelivery = new ActiveDelivery { DeliveryId = "delivery/demo/3", InfraSetId = "demo-3", Phase = DeliveryPhase.Baking, StepIndex = 0 },
    };

    [Fact]
    public void Check_SafeState_NoViolations() => EnvironmentInvariants.Check(Promoted()).ShouldBeEmpty();

    [Fact]
    public void Check_NeverServed_IsSafe() => EnvironmentInvariants.Check(new EnvironmentState { Environment = "new" }).ShouldBeEmpty();

    [Fact]
    public void CheckTrafficChange_ActiveDeliveryStep_Allowed() =>
        EnvironmentInvariants.CheckTrafficChange(Promoted(), TrafficWeights.Of(("demo-2", 90), ("demo-3", 10)), "delivery/demo/3").ShouldBeEmpty();

    [Fact]
    public void CheckTrafficChange_EveryViolationAtOnce()
    {
        var state = Promoted() with
        {
            InfraSets = [.. Promoted().InfraSets.Select(s => s.Id == "demo-3" ? s with { Status = InfraSetStatus.Unhealthy } : s.Id == "demo-2" ? s with { Status = InfraSetStatus.Draining } : s)],
        };

        var violations = EnvironmentInvariants.CheckTrafficChange(state, TrafficWeights.Of(("demo-3", 0), ("demo-0", 0), ("demo-1", 1000)), "delivery/demo/9");

        violations.Select(v => v.ToString()).ShouldBe(
        [
            "ConcurrentDelivery: delivery 'delivery/demo/9' may not change traffic: delivery 'delivery/demo/3' is active",
            "UnknownInfraSet: weights name infra-set 'demo-0', which does not exist; infra-sets: demo-1, demo-2, demo-3",
            "InvalidWeight: weight of infra-set 'demo-1' is 1000; weights must be from 0 to 999",
            "UnhealthyInfraSet: weights name infra-set 'demo-3', which is Unhealthy; only healthy infra-sets may be named; healthy: demo-1",
            "RollbackTargetNotWarm: last known good infra-set 'demo-2' is Draining, not warm; traffic must always have a warm rollback target",
        ]);
    }

    [Fact]
    public void CheckTrafficChange_ZeroTotalAndMissingRollbackTarget()
    {
        var state = Promoted() with { LastKnownGood = "demo-0", ActiveDelivery = null };

        EnvironmentInvariants.CheckTrafficChange(state, TrafficWeights.Of(("demo-1", 0)), null).Select(v => v.Code).ShouldBe([InvariantCodes.NoTraffic]);
        EnvironmentInvariants.CheckTrafficChange(state, TrafficWeights.All("demo-1"), null).Select(v => v.ToString()).ShouldBe(
            ["RollbackTargetMissing: last known good infra-set 'demo-0' does not exist; traffic must always have a rollback target"]);
        EnvironmentInvariants.CheckTrafficChange(state, TrafficWeights.All("demo-1"), "delivery/demo/4").Select(v => v.ToString()).ShouldContain(
            "ConcurrentDelivery: delivery 'delivery/demo/4' may not change traffic: it is not the active delivery (none is active)");
    }

    [Fact]
    public void DefaultRollbackTarget_DuringDelivery_IsLastKnownGood_AfterPromotion_IsPreviousWarm()
    {
        var during = Promoted() with { Weights = TrafficWeights.Of(("demo-2", 90), ("demo-3", 10)) };
        var after = Promoted() with { ActiveDelivery = null };
        var nothing = after with { InfraSets = [.. after.InfraSets.Select(s => s.Id == "demo-1" ? s with { Retired = true } : s)] };

        during.DefaultRollbackTarget().ShouldBe("demo-2");
        after.DefaultRollbackTarget().ShouldBe("demo-1");
        nothing.DefaultRollbackTarget().ShouldBeNull();
    }

    [Fact]
    public void Json_RoundTrip_KeepsState()
    {
        var state = Promoted();

        var back = JsonSerializer.Deserialize<EnvironmentState>(JsonSerializer.Serialize(state))!;

        back.InfraSets.ShouldBe(state.InfraSets);
        back.Weights.ShouldBe(state.Weights);
        (back with { InfraSets = state.InfraSets }).ShouldBe(state);
    }
}
