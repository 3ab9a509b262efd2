using DurableDelivery.Domain.Traffic;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Domain.Tests.Traffic;

public class RetentionPlannerTests
{
    private static InfraSet Set(int n, InfraSetStatus status, int? promoted, bool retired = false) =>
        new() { Id = $"s{n}", Status = status, PromotionSequence = promoted, Retired = retired };

    [Fact]
    public void Plan_AfterPromotion_KeepsTwoPreviousWarm_DrainsOlder_DeletesDrained()
    {
        var state = new EnvironmentState
        {
            Environment = "demo",
            InfraSets =
            [
                Set(1, InfraSetStatus.Drained, 1),
                Set(2, InfraSetStatus.Healthy, 2),
                Set(3, InfraSetStatus.Healthy, 3),
                Set(4, InfraSetStatus.Healthy, 4),
                Set(5, InfraSetStatus.Healthy, 5),
                Set(6, InfraSetStatus.Unhealthy, null, retired: true),
            ],
            Weights = TrafficWeights.All("s5"),
            LastKnownGood = "s5",
        };

        var plan = RetentionPlanner.Plan(state, 2);

        plan.Decisions.Select(d => $"{d.InfraSetId} {d.Action} {d.Reason}").ShouldBe(
        [
            "s1 Delete drained",
            "s2 Drain beyond the 2 warm infra-sets",
            "s3 Keep warm (2 of 2)",
            "s4 Keep rollback target",
            "s5 Keep takes traffic (weight 100)",
            "s6 Drain retired (failed or rolled back from)",
        ]);
        plan.Keep.ShouldBe(["s3", "s4", "s5"]);
        plan.Drain.ShouldBe(["s2", "s6"]);
        plan.Delete.ShouldBe(["s1"]);
    }

    [Fact]
    public void Plan_DuringDelivery_KeepsCanaryStableAndPreviousAsRollbackTarget()
    {
        var state = new EnvironmentState
        {
            Environment = "demo",
            InfraSets = [Set(1, InfraSetStatus.Healthy, 1), Set(2, InfraSetStatus.Healthy, 2), Set(3, InfraSetStatus.Provisioning, null)],
            Weights = TrafficWeights.All("s2"),
            LastKnownGood = "s2",
            ActiveDelivery = new ActiveDelivery { DeliveryId = "delivery/demo/3", InfraSetId = "s3", Phase = DeliveryPhase.Provisioning },
        };

        RetentionPlanner.Plan(state, 0).Decisions.Select(d => $"{d.InfraSetId} {d.Action} {d.Reason}").ShouldBe(
        [
            "s1 Keep rollback target",
            "s2 Keep takes traffic (weight 100)",
            "s3 Keep infra-set of active delivery 'delivery/demo/3'",
        ]);
    }

    [Fact]
    public void Plan_NegativeWarmCount_Throws() =>
        Should.Throw<ArgumentOutOfRangeException>(() => RetentionPlanner.Plan(new EnvironmentState { Environment = "e" }, -1));

    [Fact]
    public void Property_NeverRemovesWhatTakesTrafficOrIsARollbackTarget_KeepsNewestWarm()
    {
        // Each code describes one infra-set: status, promoted or not, retired or not, weight. States may be unsafe on
        // purpose: the planner must stay make-before-break whatever it is given.
        var codes = Gen.Choose(0, 479).ArrayOf().ToArbitrary();
        var picks = Gen.Choose(0, 20).Three().ToArbitrary();
        Prop.ForAll(codes, picks, (c, p) =>
        {
            var sets = c.Select((code, i) => new InfraSet
            {
                Id = $"s{i}",
                Status = (InfraSetStatus)(code % 6),
                PromotionSequence = (code / 6) % 2 == 0 ? i : null,
                Retired = (code / 12) % 5 == 0,
            }).ToArray();
            var weights = new TrafficWeights { Weights = c.Select((code, i) => (Id: $"s{i}", W: (code / 60) % 4 == 0 ? 10 : 0)).Where(x => x.W > 0).ToDictionary(x => x.Id, x => x.W) };
            var state = new EnvironmentState
            {
                Environment = "e",
                InfraSets = sets,
                Weights = weights,
                LastKnownGood = p.Item1 < sets.Length ? sets[p.Item1].Id : null,
                ActiveDelivery = p.Item2 < sets.Length ? new ActiveDelivery { DeliveryId = "d", InfraSetId = sets[p.Item2].Id } : null,
            };
            var warmCount = p.Item3 % 4;

            var plan = RetentionPlanner.Plan(state, warmCount);

            var removed = plan.Drain.Concat(plan.Delete).ToHashSet();
            var protectedIds = weights.Receiving
                .Append(state.LastKnownGood).Append(state.ActiveDelivery?.InfraSetId).Append(state.DefaultRollbackTarget())
                .OfType<string>();
            var expectedWarm = state.PreviousWarm().Take(warmCount).Select(s => s.Id);
            var exactlyOnePerExisting = plan.Decisions.Select(d => d.InfraSetId).Order().SequenceEqual(sets.Where(s => s.Status != InfraSetStatus.Deleted).Select(s => s.Id).Order());
            var deletesOnlyDrained = plan.Delete.All(id => state.Find(id)!.Status == InfraSetStatus.Drained);
            return exactlyOnePerExisting
                && deletesOnlyDrained
                && !protectedIds.Any(removed.Contains)
                && expectedWarm.All(plan.Keep.Contains)
                && plan.Decisions.Count(d => d.Reason.StartsWith("warm", StringComparison.Ordinal)) <= warmCount;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Property_PlanThenApply_KeepsInvariantsOfASafeState()
    {
        // From a safe state after promotion, applying the plan (drain, delete) never breaks an invariant.
        var count = Gen.Choose(1, 10).ToArbitrary();
        var warm = Gen.Choose(1, 4).ToArbitrary();
        Prop.ForAll(count, warm, (n, warmCount) =>
        {
            var sets = Enumerable.Range(1, n).Select(i => Set(i, InfraSetStatus.Healthy, i)).ToArray();
            var state = new EnvironmentState { Environment = "e", InfraSets = sets, Weights = TrafficWeights.All($"s{n}"), LastKnownGood = $"s{n}" };
            var plan = RetentionPlanner.Plan(state, warmCount);
            var after = state with { InfraSets = [.. sets.Select(s => plan.Drain.Contains(s.Id) ? s with { Status = InfraSetStatus.Drained } : s)] };
            var final = after with { InfraSets = [.. after.InfraSets.Select(s => RetentionPlanner.Plan(after, warmCount).Delete.Contains(s.Id) ? s with { Status = InfraSetStatus.Deleted } : s)] };
            return EnvironmentInvariants.Check(after).Count == 0
                && EnvironmentInvariants.Check(final).Count == 0
                && final.WarmIds.Count == Math.Min(n, warmCount + 1)
                && (n == 1 || final.DefaultRollbackTarget() == $"s{n - 1}");
        }).QuickCheckThrowOnFailure();
    }
}
