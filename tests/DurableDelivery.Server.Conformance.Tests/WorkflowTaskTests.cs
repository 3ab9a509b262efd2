using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

/// <summary>Around a workflow task in flight: its failure and retries, and inputs arriving meanwhile.</summary>
public class WorkflowTaskTests
{
    [ConformanceFact]
    public async Task WorkflowTask_FailingTwice_IsRetriedUntilItSucceeds()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("wftretry");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<BuggyUntilFixedWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            // The SDK reports only a first attempt's failure; the second one ends by the task's timeout.
            var handle = await env.Client.StartWorkflowAsync((BuggyUntilFixedWorkflow wf) => wf.RunAsync(2),
                new(id: $"wf-{queue}", taskQueue: queue) { TaskTimeout = TimeSpan.FromSeconds(1) });
            (await handle.GetResultAsync()).ShouldBe("fixed on run 3");
            var history = await Replay.AssertReplaysAsync(handle, typeof(BuggyUntilFixedWorkflow));

            // Attempt 1's failure is written; the retries are transient until one succeeds.
            Replay.Types(history).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskFailed, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionCompleted,
            ]);
            history.Events.ElementAt(3).WorkflowTaskFailedEventAttributes.Failure.Message.ShouldContain("bug on run 1");
            history.Events.ElementAt(4).WorkflowTaskScheduledEventAttributes.Attempt.ShouldBe(3);
        });
    }

    [ConformanceFact]
    public async Task Signal_ArrivingWhileTheRunCompletes_IsSeenBeforeItCloses()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("signalclose");
        var gate = new GateActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<LastSignalWorkflow>().AddAllActivities(gate));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((LastSignalWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await handle.SignalAsync(wf => wf.AddAsync("first"));
            await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await handle.SignalAsync(wf => wf.AddAsync("last"));
            gate.Gate.SetResult();

            // The completion that did not know of "last" is refused; the workflow runs again and sees it.
            (await handle.GetResultAsync()).ShouldBe(["first", "last"]);
            var history = await Replay.AssertReplaysAsync(handle, typeof(LastSignalWorkflow));
            history.Events.Where(e => e.EventType == EventType.WorkflowTaskFailed)
                .Select(e => e.WorkflowTaskFailedEventAttributes.Cause)
                .ShouldBe([WorkflowTaskFailedCause.UnhandledCommand]);
            var types = Replay.Types(history);
            types.LastIndexOf(EventType.WorkflowExecutionSignaled)
                .ShouldBeLessThan(types.IndexOf(EventType.WorkflowExecutionCompleted));
        });
    }

    [ConformanceFact]
    public async Task Update_ArrivingWhileAWorkflowTaskRuns_IsDeliveredAfterIt()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updateduring");
        var gate = new GateActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<GatedCounterWorkflow>().AddAllActivities(gate));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((GatedCounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            var update = handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(6));
            var query = handle.QueryAsync(wf => wf.Count);
            await Eventually.EventuallyAsync(
                async () => (await handle.DescribeAsync()).Status == WorkflowExecutionStatus.Running,
                TimeSpan.FromSeconds(5), "the workflow is described while the update waits");
            update.IsCompleted.ShouldBeFalse();
            gate.Gate.SetResult();
            (await update).ShouldBe(6);
            (await query).ShouldBeOneOf(0, 6);
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(6);
            await Replay.AssertReplaysAsync(handle, typeof(GatedCounterWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Terminate_WhileAWorkflowTaskRuns_ClosesTheRunAndHistoryReplays()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("terminateduring");
        var gate = new GateActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<GatedCounterWorkflow>().AddAllActivities(gate));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((GatedCounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await handle.TerminateAsync("stop now");
            gate.Gate.SetResult();
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<TerminatedFailureException>().Message.ShouldBe("stop now");
            var history = await Replay.AssertReplaysAsync(handle, typeof(GatedCounterWorkflow));
            Replay.Types(history)[^1].ShouldBe(EventType.WorkflowExecutionTerminated);
        });
    }

    [ConformanceFact]
    public async Task LocalActivity_LongerThanTheTaskTimeout_WorkflowTaskIsHeartbeated()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("wftheartbeat");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SlowLocalActivityWorkflow>()
            .AddAllActivities(typeof(SlowActivities), null));
        await worker.ExecuteAsync(async () =>
        {
            // The local activity outlives the 2 s task timeout; the SDK keeps the task alive by completing it with
            // force_create_new_workflow_task before the timeout, and the server hands it a new task at once.
            var handle = await env.Client.StartWorkflowAsync(
                (SlowLocalActivityWorkflow wf) => wf.RunAsync(2_500),
                new(id: $"wf-{queue}", taskQueue: queue) { TaskTimeout = TimeSpan.FromSeconds(2) });
            (await handle.GetResultAsync()).ShouldBe("slept 2500 ms");
            var history = await Replay.AssertReplaysAsync(handle, typeof(SlowLocalActivityWorkflow));
            var types = Replay.Types(history);
            types.ShouldNotContain(EventType.WorkflowTaskTimedOut);
            types.ShouldNotContain(EventType.WorkflowTaskFailed);
            types.Count(t => t == EventType.WorkflowTaskCompleted).ShouldBeGreaterThan(1);
            types.ShouldContain(EventType.MarkerRecorded);
        });
    }

    [ConformanceFact]
    public async Task History_LongerThanAPage_IsDeliveredAndFetchedWhole()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("longhistory");
        const int signals = 300;
        var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(signals),
            new(id: $"wf-{queue}", taskQueue: queue));
        for (var i = 0; i < signals; i++)
        {
            await handle.SignalAsync(wf => wf.AddAsync($"s{i}"));
        }

        // A worker without a cache gets every task with the whole history (more than one page of 256 events).
        using var worker = env.NewWorker(queue, o =>
        {
            o.MaxCachedWorkflows = 0;
            o.AddWorkflow<SignalCollectorWorkflow>();
        });
        await worker.ExecuteAsync(async () =>
        {
            var result = await handle.GetResultAsync();
            result.ShouldBe(Enumerable.Range(0, signals).Select(i => $"s{i}").ToList());
            var history = await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
            history.Events.Count.ShouldBeGreaterThan(256);
            history.Events.Select(e => e.EventId)
                .ShouldBe(Enumerable.Range(1, history.Events.Count).Select(i => (long)i));
        });
    }
}
