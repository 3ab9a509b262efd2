using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Engine.Tests.Worker;

/// <summary>Workflow-to-workflow signals and cancellation: child handles (StartChildWorkflowAsync) and external handles.</summary>
public sealed class ExternalSignalTests
{
    private static readonly string[] Values = ["a", "b", "c", "d", "e"];

    private static async Task RunAsync(Func<WorkflowEnvironment, Task> body, Action<DurableWorkerOptions>? configure = null)
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        var options = new DurableWorkerOptions("q")
            .AddWorkflow<PingWorkflow>().AddWorkflow<PongWorkflow>().AddWorkflow<ExternalCallerWorkflow>().AddWorkflow<WaiterWorkflow>()
            .AddWorkflow<SinkWorkflow>().AddWorkflow<SignalThenContinueWorkflow>().AddWorkflow<CancelChildWorkflow>()
            .AddAllActivities(new CountingActivities());
        configure?.Invoke(options);
        await env.CreateWorker(options).ExecuteAsync(() => body(env).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    public Task ParentAndChild_SignalEachOtherInOrder_BothFinishAndHistoriesReplay(bool batch, int cacheSize) => RunAsync(
        async env =>
        {
            var id = $"ping/{batch}/{cacheSize}";
            var result = await env.Client.ExecuteWorkflowAsync((PingWorkflow wf) => wf.RunAsync(Values, batch), new WorkflowOptions(id, "q"));

            result.ShouldBe($"{id}/pong ran with a run id: child saw [a,b,c,d,e], parent saw [re:a,re:b,re:c,re:d,re:e]");
            var parent = await env.Client.GetWorkflowHandle(id).FetchHistoryAsync();
            var child = await env.Client.GetWorkflowHandle($"{id}/pong").FetchHistoryAsync();

            // Each signal is initiated once, delivered once, in order, and named its sender.
            parent.Events.Where(e => e.EventType == EventType.SignalExternalWorkflowExecutionInitiated).Select(e => e.Payload).ShouldBe(Values.Select(v => $"[\"{v}\"]"));
            parent.Events.Count(e => e.EventType == EventType.ExternalWorkflowExecutionSignaled).ShouldBe(Values.Length);
            var received = child.Events.Where(e => e.EventType == EventType.WorkflowExecutionSignaled).ToList();
            received.Select(e => e.Payload).ShouldBe(Values.Select(v => $"[\"{v}\"]"));
            received.ShouldAllBe(e => e.Name == "Add" && e.Identity == id && e.WorkflowId == id);
            child.Events.Where(e => e.EventType == EventType.SignalExternalWorkflowExecutionInitiated).ShouldAllBe(e => e.WorkflowId == id && e.Name == "Reply");
            parent.Events.Where(e => e.EventType == EventType.WorkflowExecutionSignaled).Select(e => e.Payload).ShouldBe(Values.Select(v => $"[\"re:{v}\"]"));

            var initiated = parent.Events.Where(e => e.EventType == EventType.SignalExternalWorkflowExecutionInitiated).Select(e => e.EventId).ToList();
            parent.Events.Where(e => e.EventType == EventType.ExternalWorkflowExecutionSignaled).Select(e => e.ScheduledEventId!.Value).ShouldBe(initiated);

            var replayer = new WorkflowReplayer().AddWorkflow<PingWorkflow>().AddWorkflow<PongWorkflow>();
            replayer.ReplayWorkflow(parent);
            replayer.ReplayWorkflow(child);
        },
        o => o.MaxCachedWorkflows = cacheSize == 0 ? o.MaxCachedWorkflows : cacheSize);

    [Fact]
    public Task Signal_WorkflowIdThatDoesNotExist_FaultsWithClearMessageTheSenderCatches() => RunAsync(async env =>
    {
        var result = await env.Client.ExecuteWorkflowAsync((ExternalCallerWorkflow wf) => wf.RunAsync("nobody", "signal"), new WorkflowOptions("caller/1", "q"));

        result.ShouldBe("ExternalWorkflowExecutionNotFound: Unable to signal external workflow because it was not found: no workflow 'nobody' exists");
        var history = await env.Client.GetWorkflowHandle("caller/1").FetchHistoryAsync();
        history.Events.Single(e => e.EventType == EventType.SignalExternalWorkflowExecutionFailed).Failure!.Type.ShouldBe("ExternalWorkflowExecutionNotFound");
        new WorkflowReplayer().AddWorkflow<ExternalCallerWorkflow>().ReplayWorkflow(history);
    });

    [Fact]
    public Task Signal_ClosedWorkflow_FaultsNamingItsStatus() => RunAsync(async env =>
    {
        var done = await env.Client.StartWorkflowAsync((WaiterWorkflow wf) => wf.RunAsync(), new WorkflowOptions("waiter/closed", "q"));
        await done.TerminateAsync("gone");

        var result = await env.Client.ExecuteWorkflowAsync((ExternalCallerWorkflow wf) => wf.RunAsync("waiter/closed", "signal"), new WorkflowOptions("caller/2", "q"));

        result.ShouldBe("ExternalWorkflowExecutionNotFound: Unable to signal external workflow because it was not found: workflow 'waiter/closed' is closed (Terminated)");
    });

    [Fact]
    public Task Signal_ExistingWorkflowByName_Delivered() => RunAsync(async env =>
    {
        var waiter = await env.Client.StartWorkflowAsync((WaiterWorkflow wf) => wf.RunAsync(), new WorkflowOptions("waiter/go", "q"));

        var result = await env.Client.ExecuteWorkflowAsync((ExternalCallerWorkflow wf) => wf.RunAsync("waiter/go", "signal"), new WorkflowOptions("caller/3", "q"));

        result.ShouldBe("signalled waiter/go");
        (await waiter.GetResultAsync()).ShouldBe("went");
    });

    [Fact]
    public Task Signal_TokenAlreadyCanceled_NotSentAndFailsCanceled() => RunAsync(async env =>
    {
        var waiter = await env.Client.StartWorkflowAsync((WaiterWorkflow wf) => wf.RunAsync(), new WorkflowOptions("waiter/token", "q"));

        var result = await env.Client.ExecuteWorkflowAsync((ExternalCallerWorkflow wf) => wf.RunAsync("waiter/token", "canceled-token"), new WorkflowOptions("caller/4", "q"));

        result.ShouldBe("canceled: Signal cancelled before scheduled");
        (await env.Client.GetWorkflowHandle("caller/4").FetchHistoryAsync()).Events.ShouldNotContain(e => e.EventType == EventType.SignalExternalWorkflowExecutionInitiated);
        (await waiter.FetchHistoryAsync()).Events.ShouldNotContain(e => e.EventType == EventType.WorkflowExecutionSignaled);
    });

    [Fact]
    public Task CancelAsync_ExternalWorkflow_TargetEndsCanceled() => RunAsync(async env =>
    {
        var waiter = await env.Client.StartWorkflowAsync((WaiterWorkflow wf) => wf.RunAsync(), new WorkflowOptions("waiter/cancel", "q"));

        var result = await env.Client.ExecuteWorkflowAsync((ExternalCallerWorkflow wf) => wf.RunAsync("waiter/cancel", "cancel"), new WorkflowOptions("caller/5", "q"));

        result.ShouldBe("cancel requested of waiter/cancel");
        var error = await Should.ThrowAsync<Exceptions.WorkflowFailedException>(() => waiter.GetResultAsync());
        error.Status.ShouldBe(WorkflowExecutionStatus.Canceled);
        var request = (await waiter.FetchHistoryAsync()).Events.Single(e => e.EventType == EventType.WorkflowExecutionCancelRequested);
        request.Identity.ShouldBe("caller/5");
        request.Details.ShouldBe("cancel requested by workflow 'caller/5'");
        var caller = await env.Client.GetWorkflowHandle("caller/5").FetchHistoryAsync();
        caller.Events.Select(e => e.EventType).ShouldContain(EventType.ExternalWorkflowExecutionCancelRequested);
        new WorkflowReplayer().AddWorkflow<ExternalCallerWorkflow>().ReplayWorkflow(caller);
    });

    [Fact]
    public Task CancelAsync_WorkflowIdThatDoesNotExist_Faults() => RunAsync(async env =>
    {
        var result = await env.Client.ExecuteWorkflowAsync((ExternalCallerWorkflow wf) => wf.RunAsync("nobody", "cancel"), new WorkflowOptions("caller/6", "q"));

        result.ShouldBe("ExternalWorkflowExecutionNotFound: Unable to cancel external workflow because not found: no workflow 'nobody' exists");
    });

    [Fact]
    public Task ChildCanceledThroughToken_CancelRequestDeliveredAndRecordedInParent() => RunAsync(async env =>
    {
        var result = await env.Client.ExecuteWorkflowAsync((CancelChildWorkflow wf) => wf.RunAsync(), new WorkflowOptions("cc/1", "q"));

        result.ShouldBe("child canceled");
        var parent = await env.Client.GetWorkflowHandle("cc/1").FetchHistoryAsync();
        parent.Events.Select(e => e.EventType).Where(t => t is EventType.RequestCancelExternalWorkflowExecutionInitiated or EventType.ExternalWorkflowExecutionCancelRequested
            or EventType.ChildWorkflowExecutionCanceled).ShouldBe([EventType.RequestCancelExternalWorkflowExecutionInitiated, EventType.ExternalWorkflowExecutionCancelRequested, EventType.ChildWorkflowExecutionCanceled]);
        (await env.Client.GetWorkflowHandle("cc/1/waiter").DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Canceled);
        new WorkflowReplayer().AddWorkflow<CancelChildWorkflow>().ReplayWorkflow(parent);
    });

    [Fact]
    public Task ContinueAsNew_InSameTaskAsSignal_OutcomeStaysWithTheClosedRun() => RunAsync(async env =>
    {
        var sink = await env.Client.StartWorkflowAsync((SinkWorkflow wf) => wf.RunAsync(), new WorkflowOptions("sink/1", "q"));

        var result = await env.Client.ExecuteWorkflowAsync((SignalThenContinueWorkflow wf) => wf.RunAsync("sink/1", 0), new WorkflowOptions("stc/1", "q"));

        result.ShouldBe("done");
        await EventuallyAsync(async () => await sink.QueryAsync(wf => wf.Count) == 2);
        var runs = await env.Client.ListWorkflowsAsync(new WorkflowListFilter { WorkflowIdPrefix = "stc/1" }).ToListAsync();
        runs.Count.ShouldBe(2);
        foreach (var run in runs)
        {
            var history = await env.Client.GetWorkflowHandle("stc/1", run.RunId).FetchHistoryAsync();
            history.Events.Count(e => e.EventType == EventType.ExternalWorkflowExecutionSignaled).ShouldBe(
                run.Status == WorkflowExecutionStatus.Completed ? 1 : 0,
                "the first run closed in the task that signalled; its outcome must not reach the next run");
        }
    });
}
