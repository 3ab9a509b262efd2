using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class SignalCancelTerminateTests
{
    [ConformanceFact]
    public async Task Signal_BeforeFirstWorkflowTask_IsDeliveredInTheFirstTask()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("signalfirst");

        // No worker yet: the signal lands before any workflow task has started.
        var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1),
            new(id: $"wf-{queue}", taskQueue: queue));
        await handle.SignalAsync(wf => wf.AddAsync("early"));
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            (await handle.GetResultAsync()).ShouldBe(["early"]);
            var history = await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
            Replay.Types(history).Take(4).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled,
                EventType.WorkflowExecutionSignaled, EventType.WorkflowTaskStarted,
            ]);
        });
    }

    [ConformanceFact]
    public async Task Signal_WhileWorkflowTaskRuns_IsBufferedAndDeliveredInTheNextTask()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("signalduring");
        var gate = new GateActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalDuringTaskWorkflow>()
            .AddAllActivities(gate));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SignalDuringTaskWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await handle.SignalAsync(wf => wf.AddAsync("during"));

            // The signal is buffered while the task is started: history shows nothing of it yet.
            var during = await handle.FetchHistoryAsync();
            Replay.Types(during).ShouldNotContain(EventType.WorkflowExecutionSignaled);
            gate.Gate.SetResult();
            (await handle.GetResultAsync()).ShouldBe(["during"]);
            var history = await Replay.AssertReplaysAsync(handle, typeof(SignalDuringTaskWorkflow));
            var types = Replay.Types(history);
            types.IndexOf(EventType.WorkflowExecutionSignaled)
                .ShouldBeGreaterThan(types.IndexOf(EventType.MarkerRecorded));

            // The SDK asks for the next task in the completion (return_new_workflow_task); the signal that arrived
            // during the task made one, so it came back in the response, started, with no poll.
            env.Server.ReturnedNewWorkflowTasks.ShouldBe(1);
            var signaled = types.IndexOf(EventType.WorkflowExecutionSignaled);
            types[signaled + 1].ShouldBe(EventType.WorkflowTaskScheduled);
            types[signaled + 2].ShouldBe(EventType.WorkflowTaskStarted);
        });
    }

    [ConformanceFact]
    public async Task SignalWithStart_NoWorkflowRunning_StartsOneThatSeesTheSignal()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("sws-start");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var options = new WorkflowOptions(id: $"wf-{queue}", taskQueue: queue);
            options.SignalWithStart((SignalCollectorWorkflow wf) => wf.AddAsync("with-start"));
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1), options);
            (await handle.GetResultAsync()).ShouldBe(["with-start"]);
            var history = await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
            Replay.Types(history).Take(3).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowExecutionSignaled,
                EventType.WorkflowTaskScheduled,
            ]);
        });
    }

    [ConformanceFact]
    public async Task SignalWithStart_WorkflowRunning_SignalsTheExistingRun()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("sws-existing");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(2),
                new(id: id, taskQueue: queue));
            var options = new WorkflowOptions(id: id, taskQueue: queue);
            options.SignalWithStart((SignalCollectorWorkflow wf) => wf.AddAsync("one"));
            var second = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(99), options);
            second.ResultRunId.ShouldBe(first.ResultRunId);
            await first.SignalAsync(wf => wf.AddAsync("two"));
            (await first.GetResultAsync()).ShouldBe(["one", "two"]);
            var history = await Replay.AssertReplaysAsync(first, typeof(SignalCollectorWorkflow));
            Replay.Types(history).Count(t => t == EventType.WorkflowExecutionStarted).ShouldBe(1);
        });
    }

    [ConformanceFact]
    public async Task Cancel_RequestedByClient_WorkflowEndsCanceled()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancel");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<WaitForeverWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((WaitForeverWorkflow wf) => wf.RunAsync(false),
                new(id: $"wf-{queue}", taskQueue: queue));
            await WaitForTimerAsync(handle);
            await handle.CancelAsync();
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<CanceledFailureException>();
            var history = await Replay.AssertReplaysAsync(handle, typeof(WaitForeverWorkflow));
            var types = Replay.Types(history);
            types.ShouldContain(EventType.WorkflowExecutionCancelRequested);
            types[^1].ShouldBe(EventType.WorkflowExecutionCanceled);
            (await handle.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Canceled);
        });
    }

    [ConformanceFact]
    public async Task Cancel_CaughtByWorkflow_CleanupRunsAndWorkflowCompletes()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancelcaught");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<WaitForeverWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((WaitForeverWorkflow wf) => wf.RunAsync(true),
                new(id: $"wf-{queue}", taskQueue: queue));
            await WaitForTimerAsync(handle);
            await handle.CancelAsync();
            (await handle.GetResultAsync()).ShouldBe("cancelled and cleaned up");
            var history = await Replay.AssertReplaysAsync(handle, typeof(WaitForeverWorkflow));
            var types = Replay.Types(history);
            types.ShouldContain(EventType.TimerCanceled);
            types[^1].ShouldBe(EventType.WorkflowExecutionCompleted);
        });
    }

    [ConformanceFact]
    public async Task Terminate_RunningWorkflow_ResultThrowsTerminatedFailure()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("terminate");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<WaitForeverWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((WaitForeverWorkflow wf) => wf.RunAsync(false),
                new(id: $"wf-{queue}", taskQueue: queue));
            await WaitForTimerAsync(handle);
            await handle.TerminateAsync("enough");
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<TerminatedFailureException>().Message.ShouldBe("enough");
            var history = await Replay.AssertReplaysAsync(handle, typeof(WaitForeverWorkflow));
            Replay.Types(history)[^1].ShouldBe(EventType.WorkflowExecutionTerminated);
            (await handle.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Terminated);
        });
    }

    /// <summary>Waits until the workflow's first task completed and its timer is started.</summary>
    private static Task WaitForTimerAsync(WorkflowHandle handle) =>
        Eventually.EventuallyAsync(
            async () => Replay.Types(await handle.FetchHistoryAsync()).Contains(EventType.TimerStarted),
            TimeSpan.FromSeconds(20), "the workflow started its timer");

    [ConformanceFact]
    public async Task Signal_ClosedWorkflow_ThrowsNotFound()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("signalclosed");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"wf-{queue}", taskQueue: queue));
            await handle.GetResultAsync();
            var error = await Should.ThrowAsync<RpcException>(() => handle.SignalAsync(wf => wf.AddAsync("late")));
            error.Code.ShouldBe(RpcException.StatusCode.NotFound);
            await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task SignalWithStart_ClosedWorkflowId_StartsANewRun()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("sws-closed");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: id, taskQueue: queue));
            await first.GetResultAsync();
            var options = new WorkflowOptions(id: id, taskQueue: queue);
            options.SignalWithStart((SignalCollectorWorkflow wf) => wf.AddAsync("second run"));
            var second = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1), options);
            second.ResultRunId.ShouldNotBe(first.ResultRunId);
            (await second.GetResultAsync()).ShouldBe(["second run"]);
            await Replay.AssertReplaysAsync(first, typeof(SignalCollectorWorkflow));
            await Replay.AssertReplaysAsync(second, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Cancel_CompletedWorkflow_SucceedsAsANoOp()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancelclosed");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"wf-{queue}", taskQueue: queue));
            await handle.GetResultAsync();

            // Temporal answers a cancel request for a closed run with success and changes nothing; terminating a
            // closed run is NotFound.
            await handle.CancelAsync();
            var history = await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
            Replay.Types(history)[^1].ShouldBe(EventType.WorkflowExecutionCompleted);
            var error = await Should.ThrowAsync<RpcException>(() => handle.TerminateAsync("too late"));
            error.Code.ShouldBe(RpcException.StatusCode.NotFound);
        });
    }
}
