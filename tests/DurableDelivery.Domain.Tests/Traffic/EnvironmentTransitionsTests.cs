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
        var ops = Gen.Choose(0, 3).ArrayOf().ToArbitrary();
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
