using Temporalio.Api.Enums.V1;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using DurableDelivery.Workflows.Tests.Support;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Workflows.Tests.Delivery;

/// <summary>Every override, at the moment a person would send it: during the first bake of a second delivery (virtual time, advanced by hand).</summary>
public sealed class OverrideTests
{
    private const string Stable = "demo-sample-v1-0001";
    private const string Canary = "demo-sample-v2-0002";
    private const string Second = "delivery/demo/2";
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    private static Task InFirstBakeAsync(Func<DeliveryHarness, Task> body) => DeliveryHarness.RunAsync(
        async h =>
        {
            (await h.DeliverAsync("1.0.0", "sample-v1")).Outcome.ShouldBe(DeliveryOutcome.Promoted);
            await h.RequestAsync("2.0.0", "sample-v2");
            await h.StartedAsync(Second);
            await h.UntilDeliveryAsync(Second, s => s.Phase == DeliveryPhase.Baking && s.StepIndex == 0, "first bake");
            await body(h);
        },
        autoTimeSkipping: false);

    [Fact]
    public Task Pause_FreezesTheBake_ResumeAndExtendBakeContinueIt() => InFirstBakeAsync(async h =>
    {
        var paused = await h.Delivery(Second).ExecuteUpdateAsync(d => d.PauseAsync(new PauseOverride { RequestedBy = "bob", Reason = "looking at logs", RequestedAt = At }));
        paused.Message.ShouldBe("paused delivery/demo/2 at step 1/3 (10%)");
        await h.Env.DelayAsync(TimeSpan.FromHours(1));
        await h.Delivery(Second).ExecuteUpdateAsync(d => d.ExtendBakeAsync(new ExtendBakeOverride { By = TimeSpan.FromSeconds(30), RequestedBy = "bob", Reason = "more data", RequestedAt = At }));
        var status = await h.DeliveryStatusAsync(Second);
        status.Paused.ShouldBeTrue();
        status.StepIndex.ShouldBe(0, "an hour passed while paused and the bake did not end");
        status.Steps[0].EndedAt.ShouldBeNull();

        await h.Delivery(Second).ExecuteUpdateAsync(d => d.ResumeAsync(new ResumeOverride { RequestedBy = "bob", Reason = "logs fine", RequestedAt = At }));
        await h.Env.SetAutoTimeSkippingAsync(true);

        var result = await h.ResultAsync(Second);
        result.Outcome.ShouldBe(DeliveryOutcome.Promoted, result.Message);
        var done = await h.DeliveryStatusAsync(Second);
        done.Steps[0].Extended.ShouldBe(TimeSpan.FromSeconds(30));
        (done.Steps[0].EndedAt! - done.Steps[0].StartedAt!).Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(45));
        done.Overrides.Select(o => (o.Request.GetType().Name, o.Applied)).ShouldBe([("PauseOverride", true), ("ExtendBakeOverride", true), ("ResumeOverride", true)]);
        done.Overrides[0].Request.RequestedBy.ShouldBe("bob");
        done.Timeline.Single(t => t.Kind == "Resumed").Message.ShouldBe("resumed by bob: logs fine");
        await h.AssertSettledAsync();
        await h.RecordGoldenAsync(Second, "delivery-paused-extended-resumed");
    });

    [Fact]
    public Task Promote_SkipsTheRemainingSteps() => InFirstBakeAsync(async h =>
    {
        var outcome = await h.Delivery(Second).ExecuteUpdateAsync(d => d.PromoteAsync(new PromoteOverride { RequestedBy = "carol", Reason = "hotfix", RequestedAt = At }));

        outcome.Weights.ShouldBe(TrafficWeights.All(Canary));
        var result = await h.ResultAsync(Second);
        result.Outcome.ShouldBe(DeliveryOutcome.Promoted);
        result.Message.ShouldStartWith("promoted by carol: hotfix");
        (await h.DeliveryStatusAsync(Second)).Steps[1].StartedAt.ShouldBeNull();
        (await h.StatusAsync()).LastKnownGood.ShouldBe(Canary);
        await h.AssertSettledAsync();
    });

    [Fact]
    public Task Abort_DuringBake_ReturnsTrafficToLastKnownGoodAndDeletesTheNewSet() => InFirstBakeAsync(async h =>
    {
        var outcome = await h.Delivery(Second).ExecuteUpdateAsync(d => d.AbortAsync(new AbortOverride { RequestedBy = "dave", Reason = "wrong build", RequestedAt = At }));

        outcome.Weights.ShouldBe(TrafficWeights.All(Stable));
        var result = await h.ResultAsync(Second);
        result.Outcome.ShouldBe(DeliveryOutcome.Aborted);
        result.Reason.ShouldBe("Aborted");
        h.Provider.Existing().ShouldBe([Stable]);
        (await h.StatusAsync()).LastKnownGood.ShouldBe(Stable);
        await h.AssertSettledAsync();
    });

    [Fact]
    public Task EnvironmentRollback_DuringDelivery_IsAppliedByTheDeliveryAndEndsIt() => InFirstBakeAsync(async h =>
    {
        var outcome = await h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "erin", Reason = "pager", RequestedAt = At }));

        outcome.Weights.ShouldBe(TrafficWeights.All(Stable));
        outcome.Message.ShouldBe($"rolled back to {Stable} by erin: pager");
        h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { [Stable] = 100 });
        var result = await h.ResultAsync(Second);
        result.Outcome.ShouldBe(DeliveryOutcome.Aborted);
        result.Reason.ShouldBe("ManualRollback");
        var status = await UntilAsync(h.StatusAsync, s => s.ActiveDelivery is null, TimeSpan.FromSeconds(10), "delivery ended");
        status.Overrides.Single().HandledBy.ShouldBe(Second, "the delivery, the one mutator, applied it");
        await h.AssertSettledAsync();
        await h.RecordGoldenAsync(Second, "delivery-rolled-back-by-environment");
        await h.RecordGoldenAsync("env/demo", "environment-rollback-forwarded");
    });

    [Fact]
    public Task EnvironmentRollback_DuringCleanupAfterPromotion_DeliveryReportsTheRollbackNotPromoted()
    {
        var provider = new InMemoryProvider();
        return DeliveryHarness.RunAsync(
            async h =>
            {
                await h.DeliverAsync("1.0.0", "sample-v1");
                await h.DeliverAsync("2.0.0", "sample-v2");
                const string Third = "delivery/demo/3", V3 = "demo-sample-v3-0003";

                // v3's cleanup drains v1 (warm retention 1 keeps v2); hold that drain so the rollback lands in the cleanup.
                provider.HoldDrains = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await h.RequestAsync("3.0.0", "sample-v3");
                await provider.DrainStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
                (await h.DeliveryStatusAsync(Third)).Phase.ShouldBe(DeliveryPhase.CleaningUp);
                var rollback = h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "erin", Reason = "pager", RequestedAt = At }));
                await EventuallyAsync(
                    async () => (await h.Client.GetWorkflowHandle(Third).FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.WorkflowExecutionSignaled && e.WorkflowExecutionSignaledEventAttributes.SignalName == "environmentOverride"),
                    TimeSpan.FromSeconds(20),
                    "the rollback forwarded to the delivery");
                provider.HoldDrains.SetResult();

                (await rollback).Weights.ShouldBe(TrafficWeights.All(Canary));
                var result = await h.ResultAsync(Third);
                result.Outcome.ShouldBe(DeliveryOutcome.Aborted);
                result.Reason.ShouldBe("ManualRollback");
                result.Message.ShouldBe($"rolled back to {Canary} by erin: pager after {V3} had been promoted (all steps passed; {V3} takes all traffic and is last known good)");
                result.FinalState.LastKnownGood.ShouldBe(Canary);
                var delivery = await h.DeliveryStatusAsync(Third);
                delivery.Outcome.ShouldBe(DeliveryOutcome.Aborted);
                delivery.Timeline.Select(t => t.Kind).ShouldContain("Promoted", "the timeline keeps what happened");
                var status = await UntilAsync(h.StatusAsync, s => s.ActiveDelivery is null, TimeSpan.FromSeconds(10), "delivery recorded");
                status.LastKnownGood.ShouldBe(Canary);
                status.Deliveries.Single(d => d.DeliveryId == Third).Outcome.ShouldBe(DeliveryOutcome.Aborted);
                status.VersionSets.Count.ShouldBe(2, "a rolled-back release is not added to the environment's version-set history");
                await h.AssertSettledAsync();
                await h.RecordGoldenAsync(Third, "delivery-rolled-back-during-cleanup");
            },
            provider);
    }

    [Fact]
    public Task RefusedOverrides_SayWhyAndChangeNothing() => InFirstBakeAsync(async h =>
    {
        var changes = h.Provider.WeightChanges.Count;

        var resume = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Delivery(Second).ExecuteUpdateAsync(d => d.ResumeAsync(new ResumeOverride { RequestedBy = "x", Reason = "y", RequestedAt = At })));
        var noReason = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Delivery(Second).ExecuteUpdateAsync(d => d.PauseAsync(new PauseOverride { RequestedBy = "x", Reason = " ", RequestedAt = At })));
        var weights = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Environment.ExecuteUpdateAsync(e => e.SetWeightsOverrideAsync(new SetWeightsOverride { Weights = TrafficWeights.All(Stable), RequestedBy = "x", Reason = "y", RequestedAt = At })));
        var unknown = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { To = "nope", RequestedBy = "x", Reason = "y", RequestedAt = At })));
        var extend = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => h.Delivery(Second).ExecuteUpdateAsync(d => d.ExtendBakeAsync(new ExtendBakeOverride { By = TimeSpan.FromDays(2), RequestedBy = "x", Reason = "y", RequestedAt = At })));

        resume.InnerException!.Message.ShouldEndWith("cannot resume: delivery 'delivery/demo/2' is not paused");
        noReason.InnerException!.Message.ShouldEndWith("cannot pause: a reason is required; say why with --reason \"...\"");
        weights.InnerException!.Message.ShouldEndWith("cannot set weights: delivery 'delivery/demo/2' is rolling out (Baking); pause it first (ddctl delivery pause delivery/demo/2) or abort it");
        unknown.InnerException!.Message.ShouldContain("rollback target 'nope' does not exist");
        extend.InnerException!.Message.ShouldContain("cannot extend bake: 2d is more than the 1d limit");
        h.Provider.WeightChanges.Count.ShouldBe(changes);
        (await h.DeliveryStatusAsync(Second)).Overrides.ShouldBeEmpty("refused updates leave no trace");
        (await h.StatusAsync()).Overrides.ShouldBeEmpty();
    });

    [Fact]
    public Task RefusedSignal_IsRecordedAsRefused() => InFirstBakeAsync(async h =>
    {
        await h.Delivery(Second).SignalAsync(d => d.ResumeSignalAsync(new ResumeOverride { RequestedBy = "x", Reason = "y", RequestedAt = At }));

        var status = await h.UntilDeliveryAsync(Second, s => s.Overrides.Count == 1, "signal handled");
        status.Overrides[0].Applied.ShouldBeFalse();
        status.Overrides[0].Message.ShouldBe("cannot resume: delivery 'delivery/demo/2' is not paused");
    });

    [Fact]
    public Task SetWeights_WhilePaused_AppliesAndTheBakeWindowRestarts() => InFirstBakeAsync(async h =>
    {
        await h.Delivery(Second).ExecuteUpdateAsync(d => d.PauseAsync(new PauseOverride { RequestedBy = "bob", Reason = "hold", RequestedAt = At }));

        var manual = new SetWeightsOverride { Weights = TrafficWeights.Of((Stable, 99), (Canary, 1)), RequestedBy = "bob", Reason = "less risk", RequestedAt = At };
        var outcome = await h.Environment.ExecuteUpdateAsync(e => e.SetWeightsOverrideAsync(manual));

        outcome.Weights.ShouldBe(TrafficWeights.Of((Stable, 99), (Canary, 1)));
        h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { [Stable] = 99, [Canary] = 1 });
        outcome.Message.ShouldBe($"weights set to {Stable}=99, {Canary}=1 by bob: less risk");
        (await h.DeliveryStatusAsync(Second)).Paused.ShouldBeTrue("manual weights keep the delivery paused");
        h.AssertEveryWeightChangeWasSafe();
    });

    [Fact]
    public Task NewerRequests_SupersedeWaitingOnes_AndRunInOrder() => InFirstBakeAsync(async h =>
    {
        var third = await h.RequestAsync("3.0.0", "sample-v3");
        var fourth = await h.RequestAsync("4.0.0", "sample-v4");

        third.Position.ShouldBe(1);
        fourth.Superseded.ShouldBe(["delivery/demo/3"]);
        fourth.Position.ShouldBe(1);
        await h.Delivery(Second).ExecuteUpdateAsync(d => d.PromoteAsync(new PromoteOverride { RequestedBy = "x", Reason = "go", RequestedAt = At }));
        await h.StartedAsync("delivery/demo/4");
        var status = await h.StatusAsync();
        status.Deliveries.Single(d => d.DeliveryId == "delivery/demo/3").State.ShouldBe(DeliveryState.Superseded);
        status.Deliveries.Single(d => d.DeliveryId == "delivery/demo/3").Reason.ShouldBe("delivery/demo/4");
    });

    [Fact]
    public Task TerminatedDelivery_EnvironmentTakesOverAndRestoresTraffic() => InFirstBakeAsync(async h =>
    {
        h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { [Stable] = 90, [Canary] = 10 });

        await h.Client.GetWorkflowHandle(Second).TerminateAsync("operator gave up");

        var status = await UntilAsync(h.StatusAsync, s => s.Deliveries.Single(d => d.DeliveryId == Second).State == DeliveryState.Ended && s.InfraSets.All(i => i.Status != InfraSetStatus.Draining), TimeSpan.FromSeconds(10), "environment recovered");
        status.Deliveries.Single(d => d.DeliveryId == Second).Reason.ShouldBe("DeliveryLost");
        await EventuallyAsync(() => h.Provider.Existing().SequenceEqual([Stable]), TimeSpan.FromSeconds(10), "orphan cleaned up");
        h.Provider.Current("demo").ShouldBe(new Dictionary<string, int> { [Stable] = 100 });
        await h.AssertSettledAsync();
    });
}
