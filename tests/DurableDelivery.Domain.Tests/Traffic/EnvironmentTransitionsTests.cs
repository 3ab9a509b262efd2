using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Domain.Tests.Traffic;

public class EnvironmentTransitionsTests
{
    private static readonly RolloutPlan Plan = new() { Steps = [new RolloutStep { Weight = 10 }, new RolloutStep { Weight = 50 }, new RolloutStep { Weight = 100 }] };

    private static EnvironmentState Provisioned(EnvironmentState state, string deliveryId, string infraSetId)
    {
        var started = EnvironmentTransitions.StartDelivery(state, deliveryId);
        var withSet = EnvironmentTransitions.Upsert(started, new InfraSet { Id = infraSetId, Status = InfraSetStatus.Healthy });
        return withSet with { ActiveDelivery = withSet.ActiveDelivery! with { InfraSetId = infraSetId, Phase = DeliveryPhase.Baking } };
    }

    [Fact]
    public void GoodDeliveryThenManualRollback_WalkThrough()
    {
        var state = new EnvironmentState { Environment = "demo" };

        state = Provisioned(state, "delivery/demo/1", "demo-1");
        foreach (var w in WeightPlan.For(Plan, null, "demo-1"))
        {
            state = EnvironmentTransitions.SetWeights(state, w, "delivery/demo/1");
        }

        state = EnvironmentTransitions.Promote(state, "demo-1");
        state = Provisioned(state, "delivery/demo/2", "demo-2");
        foreach (var w in WeightPlan.For(Plan, "demo-1", "demo-2"))
        {
            state = EnvironmentTransitions.SetWeights(state, w, "delivery/demo/2");
            EnvironmentInvariants.Check(state).ShouldBeEmpty();
        }

        state = EnvironmentTransitions.Promote(state, "demo-2");
        state.LastKnownGood.ShouldBe("demo-2");
        state.Find("demo-2")!.PromotionSequence.ShouldBe(2);
        state.ActiveDelivery.ShouldBeNull();

        OverrideValidator.ResolveRollbackTarget(new RollbackOverride { RequestedBy = "bob", Reason = "bad", RequestedAt = default }, state, out var target).ShouldBeNull();
        state = EnvironmentTransitions.RollBack(state, target!);

        state.Weights.ShouldBe(TrafficWeights.All("demo-1"));
        state.LastKnownGood.ShouldBe("demo-1");
        state.Find("demo-2")!.Retired.ShouldBeTrue();
        RetentionPlanner.Plan(state, 2).Drain.ShouldBe(["demo-2"]);
    }

    /// <summary>Three promoted releases (demo-2 is last known good), no delivery, traffic split by hand.</summary>
    private static EnvironmentState Split(TrafficWeights weights) => new()
    {
        Environment = "demo",
        InfraSets =
        [
            new InfraSet { Id = "demo-0", Status = InfraSetStatus.Healthy, PromotionSequence = 1 },
            new InfraSet { Id = "demo-1", Status = InfraSetStatus.Healthy, PromotionSequence = 2 },
            new InfraSet { Id = "demo-2", Status = InfraSetStatus.Healthy, PromotionSequence = 3 },
        ],
        Weights = weights,
        LastKnownGood = "demo-2",
    };

    [Fact]
    public void RollBack_ToLastKnownGoodAfterManualSplit_KeepsTheOtherPromotedSetWarmAsRollbackTarget()
    {
        var state = Split(TrafficWeights.Of(("demo-1", 50), ("demo-2", 50)));

        state = EnvironmentTransitions.RollBack(state, "demo-2");

        state.Weights.ShouldBe(TrafficWeights.All("demo-2"));
        state.Find("demo-1")!.Retired.ShouldBeFalse("demo-1 was a healthy release sharing traffic, not what was rolled back from");
        state.DefaultRollbackTarget().ShouldBe("demo-1");
        RetentionPlanner.Plan(state, 2).Drain.ShouldBeEmpty();
        RetentionPlanner.Plan(state, 1).Drain.ShouldBe(["demo-0"], "warm retention still caps how many stay warm");
        EnvironmentInvariants.Check(state).ShouldBeEmpty();
    }

    [Fact]
    public void RollBack_AwayFromLastKnownGoodAfterManualSplit_RetiresOnlyTheLastKnownGood()
    {
        var state = Split(TrafficWeights.Of(("demo-0", 20), ("demo-1", 40), ("demo-2", 40)));

        state = EnvironmentTransitions.RollBack(state, "demo-1");

        state.LastKnownGood.ShouldBe("demo-1");
        state.InfraSets.Where(s => s.Retired).Select(s => s.Id).ShouldBe(["demo-2"], "rolled back from: never the default target again");
        state.DefaultRollbackTarget().ShouldBe("demo-0");
    }

    [Fact]
    public void RollBack_RetiresNeverPromotedSetsAndTheActiveDeliverysSet()
    {
        var state = Split(TrafficWeights.Of(("demo-1", 30), ("demo-2", 60), ("demo-3", 10)));
        state = EnvironmentTransitions.Upsert(state, new InfraSet { Id = "demo-3", Status = InfraSetStatus.Healthy });
        state = EnvironmentTransitions.Upsert(state, new InfraSet { Id = "demo-4", Status = InfraSetStatus.Healthy });
        state = state with { ActiveDelivery = new ActiveDelivery { DeliveryId = "delivery/demo/5", InfraSetId = "demo-4", Phase = DeliveryPhase.Baking } };

        state = EnvironmentTransitions.RollBack(state, "demo-2");

        state.InfraSets.Where(s => s.Retired).Select(s => s.Id).Order(StringComparer.Ordinal).ShouldBe(["demo-3", "demo-4"]);
        state.ActiveDelivery.ShouldBeNull();
    }

    [Fact]
    public void RollBackRetiringAllThatTookTraffic_TheRuleOldHistoriesReplay_RetiresEveryOtherSetThatTookTraffic()
    {
        var state = EnvironmentTransitions.RollBackRetiringAllThatTookTraffic(Split(TrafficWeights.Of(("demo-1", 50), ("demo-2", 50))), "demo-2");

        state.Find("demo-1")!.Retired.ShouldBeTrue();
        state.DefaultRollbackTarget().ShouldBe("demo-0");
    }

    [Fact]
    public void StartDelivery_WhileAnotherIsActive_Throws()
    {
        var state = EnvironmentTransitions.StartDelivery(new EnvironmentState { Environment = "demo" }, "delivery/demo/1");

        Should.Throw<InvariantViolationException>(() => EnvironmentTransitions.StartDelivery(state, "delivery/demo/2"))
            .Message.ShouldBe("ConcurrentDelivery: delivery 'delivery/demo/2' cannot start: delivery 'delivery/demo/1' is active");
    }

    [Fact]
    public void Promote_UnhealthyInfraSet_ThrowsAndNothingChanges()
    {
        var state = EnvironmentTransitions.Upsert(EnvironmentInvariantsTests.Promoted(), new InfraSet { Id = "demo-3", Status = InfraSetStatus.Unhealthy });

        var ex = Should.Throw<InvariantViolationException>(() => EnvironmentTransitions.Promote(state, "demo-3"));

        ex.Violations.Select(v => v.Code).ShouldBe([InvariantCodes.UnhealthyInfraSet, InvariantCodes.RollbackTargetNotWarm]);
        state.LastKnownGood.ShouldBe("demo-2");
    }

    [Fact]
    public void Property_AnySequenceOfDeliveriesFailuresRollbacksAndRetention_KeepsInvariants()
    {
        // 0: good delivery, 1: delivery whose gate fails at the first step, 2: manual rollback (when allowed),
        // 3: apply retention (drain, then delete what was drained).
        // 4: manual 50/50 split between the last known good and the default rollback target, then a rollback to one of them.
        var ops = Gen.Choose(0, 4).ArrayOf().ToArbitrary();
        var warmCounts = Gen.Choose(1, 3).ToArbitrary();
        Prop.ForAll(ops, warmCounts, (sequence, warmCount) =>
        {
            var state = new EnvironmentState { Environment = "e" };
            var n = 0;
            foreach (var op in sequence)
            {
                switch (op)
                {
                    case 0 or 1:
                        n++;
                        var id = $"e-{n}";
                        var deliveryId = $"delivery/e/{n}";
                        var stable = state.LastKnownGood;
                        state = Provisioned(state, deliveryId, id);
                        var steps = WeightPlan.For(Plan, stable, id);
                        if (op == 1 && stable is not null)
                        {
                            state = EnvironmentTransitions.SetWeights(state, steps[0], deliveryId);
                            state = EnvironmentTransitions.RollBack(state, stable);
                            state = EnvironmentTransitions.Upsert(state, state.Find(id)! with { Status = InfraSetStatus.Unhealthy });
                            break;
                        }

                        foreach (var w in steps)
                        {
                            state = EnvironmentTransitions.SetWeights(state, w, deliveryId);
                        }

                        state = EnvironmentTransitions.Promote(state, id);
                        break;
                    case 2:
                        var rollback = new RollbackOverride { RequestedBy = "p", Reason = "r", RequestedAt = default };
                        if (OverrideValidator.ResolveRollbackTarget(rollback, state, out var target) is null)
                        {
                            state = EnvironmentTransitions.RollBack(state, target!);
                        }

                        break;
                    case 4:
                        if (state.LastKnownGood is { } lkg && state.DefaultRollbackTarget() is { } other && other != lkg)
                        {
                            state = EnvironmentTransitions.SetWeights(state, TrafficWeights.Of((lkg, 50), (other, 50)), null);
                            var to = n % 2 == 0 ? lkg : other;
                            var before = state;
                            state = EnvironmentTransitions.RollBack(state, to);

                            // What the rollback leaves besides the last known good it moves away from stays as it was.
                            var leftAlone = before.InfraSets.Where(set => set.Id != before.LastKnownGood || to == before.LastKnownGood);
                            if (leftAlone.Any(set => state.InfraSets.Single(x => x.Id == set.Id).Retired != set.Retired))
                            {
                                return false;
                            }
                        }

                        break;
                    default:
                        var plan = RetentionPlanner.Plan(state, warmCount);
                        foreach (var set in state.Existing.ToArray())
                        {
                            if (plan.Drain.Contains(set.Id))
                            {
                                state = EnvironmentTransitions.Upsert(state, set with { Status = InfraSetStatus.Drained });
                            }
                            else if (plan.Delete.Contains(set.Id))
                            {
                                state = EnvironmentTransitions.Upsert(state, set with { Status = InfraSetStatus.Deleted });
                            }
                        }

                        break;
                }

                if (EnvironmentInvariants.Check(state).Count > 0 || state.ActiveDelivery is not null)
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }
}
