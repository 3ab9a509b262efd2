using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Domain.Tests.Traffic;

/// <summary>The rules behind the environment's health check of kept infra-sets: what a check records, who is still a rollback target, what retention keeps, and what status warns about.</summary>
public class EnvironmentHealthCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>s1 and s2 previous releases, s3 last known good taking all traffic.</summary>
    private static EnvironmentState ThreeReleases() => new()
    {
        Environment = "demo",
        InfraSets =
        [
            new() { Id = "s1", Status = InfraSetStatus.Healthy, PromotionSequence = 1 },
            new() { Id = "s2", Status = InfraSetStatus.Healthy, PromotionSequence = 2 },
            new() { Id = "s3", Status = InfraSetStatus.Healthy, PromotionSequence = 3 },
        ],
        Weights = TrafficWeights.All("s3"),
        LastKnownGood = "s3",
    };

    [Fact]
    public void RecordHealthCheck_Unhealthy_TakesTheSetOutOfTheWarmSet_KeepsTheFirstSinceTime()
    {
        var once = EnvironmentTransitions.RecordHealthCheck(ThreeReleases(), "s2", false, "Unhealthy: instance 1 exited", T0);
        var twice = EnvironmentTransitions.RecordHealthCheck(once, "s2", false, "Unhealthy: instance 2 exited", T0.AddMinutes(1));

        var s2 = twice.Find("s2")!;
        s2.Status.ShouldBe(InfraSetStatus.Unhealthy);
        s2.UnhealthySince.ShouldBe(T0);
        s2.HealthCheckedAt.ShouldBe(T0.AddMinutes(1));
        s2.HealthCheck.ShouldBe("Unhealthy: instance 2 exited");
        twice.WarmIds.ShouldBe(["s1", "s3"]);
        twice.DefaultRollbackTarget().ShouldBe("s1", "the next warm healthy release takes over as default target");
    }

    [Fact]
    public void RecordHealthCheck_HealthyAfterUnhealthy_MakesItWarmAgain()
    {
        var sick = EnvironmentTransitions.RecordHealthCheck(ThreeReleases(), "s2", false, "Unhealthy: x", T0);

        var recovered = EnvironmentTransitions.RecordHealthCheck(sick, "s2", true, "Healthy: all instances healthy", T0.AddMinutes(2));

        recovered.Find("s2")!.ShouldSatisfyAllConditions(s => s.IsWarm.ShouldBeTrue(), s => s.UnhealthySince.ShouldBeNull(), s => s.HealthCheckedAt.ShouldBe(T0.AddMinutes(2)));
        recovered.DefaultRollbackTarget().ShouldBe("s2");
        recovered.RollbackTargetWarning().ShouldBeNull();
    }

    [Theory]
    [InlineData(InfraSetStatus.Draining)]
    [InlineData(InfraSetStatus.Drained)]
    [InlineData(InfraSetStatus.Deleted)]
    [InlineData(InfraSetStatus.Provisioning)]
    public void RecordHealthCheck_OfASetThatIsNotKeptRunning_ChangesNothing(InfraSetStatus status)
    {
        var state = EnvironmentTransitions.Upsert(ThreeReleases(), new InfraSet { Id = "s1", Status = status, PromotionSequence = 1 });

        EnvironmentTransitions.RecordHealthCheck(state, "s1", true, "Healthy", T0).ShouldBeSameAs(state);
        EnvironmentTransitions.RecordHealthCheck(state, "nope", false, "NotFound", T0).ShouldBeSameAs(state);
    }

    [Fact]
    public void RollbackTargetWarning_TargetUnhealthy_NamesItSinceWhenAndTheFallback()
    {
        var state = EnvironmentTransitions.RecordHealthCheck(ThreeReleases(), "s2", false, "Unhealthy: instance 1 exited", T0);

        state.RollbackTargetWarning().ShouldBe(new RollbackTargetWarning
        {
            Code = RollbackTargetWarningCodes.RollbackTargetUnhealthy,
            InfraSetId = "s2",
            Since = T0,
            Fallback = "s1",
            Message = "rollback target 's2' is Unhealthy since 2026-01-02 03:04:05Z (Unhealthy: instance 1 exited); a rollback without --to goes to 's1' instead",
        });
    }

    [Fact]
    public void RollbackTargetWarning_NoWarmSetLeft_SaysARollbackWouldBeRefused()
    {
        var state = EnvironmentTransitions.RecordHealthCheck(ThreeReleases(), "s2", false, "Unhealthy: x", T0);
        state = EnvironmentTransitions.RecordHealthCheck(state, "s1", false, "NotFound: gone", T0);

        var warning = state.RollbackTargetWarning()!;

        warning.Code.ShouldBe(RollbackTargetWarningCodes.NoWarmRollbackTarget);
        warning.Fallback.ShouldBeNull();
        warning.Message.ShouldBe("rollback target 's2' is Unhealthy since 2026-01-02 03:04:05Z (Unhealthy: x); there is no warm infra-set to roll back to: a rollback would be refused");
        OverrideValidator.Validate(new RollbackOverride { RequestedBy = "a", Reason = "b", RequestedAt = T0 }, state)!.Message.ShouldBe(
            "cannot roll back: s3 already takes 100% of traffic; no other warm infra-set to roll back to " +
            "(previous releases 's2' is Unhealthy since 2026-01-02 03:04:05Z (Unhealthy: x), 's1' is Unhealthy since 2026-01-02 03:04:05Z (NotFound: gone))");
    }

    [Fact]
    public void RollbackTargetWarning_DuringADeliveryWithAnUnhealthyLastKnownGood_NamesTheLastKnownGood()
    {
        var state = EnvironmentTransitions.RecordHealthCheck(ThreeReleases() with { Weights = TrafficWeights.Of(("s3", 90), ("s2", 10)) }, "s3", false, "Unhealthy: x", T0);

        state.RollbackTargetWarning()!.InfraSetId.ShouldBe("s3");
    }

    [Fact]
    public void RollbackTargetWarning_HealthyOrNoTraffic_IsNull()
    {
        ThreeReleases().RollbackTargetWarning().ShouldBeNull();
        new EnvironmentState { Environment = "demo" }.RollbackTargetWarning().ShouldBeNull();
    }

    [Fact]
    public void Retention_KeepsAnUnhealthyPreviousReleaseInItsSlot_UntilANewerPromotionPushesItOut()
    {
        var state = EnvironmentTransitions.RecordHealthCheck(ThreeReleases(), "s2", false, "Unhealthy: x", T0);

        RetentionPlanner.Plan(state, 1).Decisions.Select(d => $"{d.InfraSetId} {d.Action} {d.Reason}").ShouldBe(
        [
            "s1 Keep rollback target",
            "s2 Keep kept while unhealthy, may recover",
            "s3 Keep takes traffic (weight 100)",
        ]);

        var promoted = EnvironmentTransitions.Promote(EnvironmentTransitions.Upsert(state, new InfraSet { Id = "s4", Status = InfraSetStatus.Healthy }), "s4");
        RetentionPlanner.Plan(promoted, 1).Decisions.Single(d => d.InfraSetId == "s2").Action.ShouldBe(RetentionAction.Drain);
    }
}
