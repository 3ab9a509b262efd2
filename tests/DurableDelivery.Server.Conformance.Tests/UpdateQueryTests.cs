using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class UpdateQueryTests
{
    [ConformanceFact]
    public async Task Update_ValidatorRejects_LeavesNoEvent()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updatereject");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await WaitForFirstTaskAsync(handle);
            var before = Replay.Types(await handle.FetchHistoryAsync());

            var rejected = await Should.ThrowAsync<WorkflowUpdateFailedException>(() =>
                handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(-1)));
            rejected.InnerException!.Message.ShouldContain("increment must be positive, not -1");

            // The speculative workflow task that carried the rejected update left nothing behind.
            Replay.Types(await handle.FetchHistoryAsync()).ShouldBe(before);

            (await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(2))).ShouldBe(2);
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(2);
            var history = await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
            var types = Replay.Types(history);
            types.Count(t => t == EventType.WorkflowExecutionUpdateAccepted).ShouldBe(1);
            types.Count(t => t == EventType.WorkflowExecutionUpdateCompleted).ShouldBe(1);
        });
    }

    [ConformanceFact]
    public async Task Update_SameIdTwice_RunsOnceAndBothCallersGetItsResult()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updatededup");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var options = new WorkflowUpdateOptions { Id = "increment-once" };
            (await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(5), options)).ShouldBe(5);
            (await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(5), options)).ShouldBe(5);
            (await handle.QueryAsync(wf => wf.Count)).ShouldBe(5);
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(5);
            var history = await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
            var accepted = history.Events.Where(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted)
                .ToList();
            accepted.Count.ShouldBe(1);
            accepted[0].WorkflowExecutionUpdateAcceptedEventAttributes.ProtocolInstanceId.ShouldBe("increment-once");
        });
    }

    [ConformanceFact]
    public async Task Update_StartedWaitingForAccepted_ReturnsBeforeCompletionThenGivesResult()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updateaccepted");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(),
                new WorkflowUpdateStartOptions(WorkflowUpdateStage.Accepted));

            // Accepted and written, not completed: the handler is still waiting.
            var types = Replay.Types(await handle.FetchHistoryAsync());
            types.ShouldContain(EventType.WorkflowExecutionUpdateAccepted);
            types.ShouldNotContain(EventType.WorkflowExecutionUpdateCompleted);

            await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(3));
            await handle.SignalAsync(wf => wf.ReleaseAsync());
            (await update.GetResultAsync()).ShouldBe("released at 3");
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(3);
            await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Query_ClosedWorkflow_AnswersFromItsFinalState()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("queryclosed");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(7));
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(7);
            (await handle.QueryAsync(wf => wf.Count)).ShouldBe(7);
            await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Query_HandlerThrows_ThrowsWorkflowQueryFailed()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("queryfails");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Should.ThrowAsync<WorkflowQueryFailedException>(() =>
                handle.QueryAsync(wf => wf.Broken()));
            failed.Message.ShouldContain("this query always fails");

            // The failed query did not hurt the workflow.
            (await handle.QueryAsync(wf => wf.Count)).ShouldBe(0);
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(0);
            await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
        });
    }

    /// <summary>Waits until the workflow's first task completed (the worker knows the workflow).</summary>
    /// <summary>
    /// The SDK's workflow clock is the workflow task's Started time. When the speculative task that carried an update is
    /// written to history at its completion, its Started event must keep the time the worker was given; with the time
    /// of the write instead, a replay sees another clock, and a workflow that compares times (a bake's end, a health
    /// check's due time) replays differently: a nondeterminism error on the next query of the closed run.
    /// </summary>
    [ConformanceFact]
    public async Task Update_SpeculativeTaskWrittenAtCompletion_KeepsTheClockTheWorkflowSaw()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updateclock");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await WaitForFirstTaskAsync(handle);

            var seen = await handle.ExecuteUpdateAsync(wf => wf.ClockAsync());

            var events = (await handle.FetchHistoryAsync()).Events.ToList();
            var accepted = events.First(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted);
            var started = events.Last(e => e.EventId < accepted.EventId && e.EventType == EventType.WorkflowTaskStarted);
            started.EventTime.ToDateTime().ShouldBe(seen, "the update's task Started event carries the clock the workflow read");
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();
            await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
        });
    }

    private static Task WaitForFirstTaskAsync(WorkflowHandle handle) =>
        Eventually.EventuallyAsync(
            async () => Replay.Types(await handle.FetchHistoryAsync()).Contains(EventType.WorkflowTaskCompleted),
            TimeSpan.FromSeconds(20), "the first workflow task completed");

    [ConformanceFact]
    public async Task Update_SameIdAfterWorkflowClosed_ReturnsTheStoredOutcome()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updateclosed");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var options = new WorkflowUpdateOptions { Id = "before-close" };
            (await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(4), options)).ShouldBe(4);
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(4);

            (await handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(4), options)).ShouldBe(4);
            var unknown = await Should.ThrowAsync<RpcException>(() =>
                handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(1), new WorkflowUpdateOptions { Id = "after" }));
            unknown.Code.ShouldBe(RpcException.StatusCode.NotFound);
            await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Update_TenAtOnce_EachRunsExactlyOnce()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updatesatonce");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var results = await Task.WhenAll(Enumerable.Range(0, 10)
                .Select(_ => handle.ExecuteUpdateAsync(wf => wf.IncrementAsync(1))));
            results.OrderBy(x => x).ShouldBe(Enumerable.Range(1, 10));
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(10);
            var history = await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
            Replay.Types(history).Count(t => t == EventType.WorkflowExecutionUpdateCompleted).ShouldBe(10);
        });
    }

    [ConformanceFact]
    public async Task Update_AcceptedWhenTheRunIsTerminated_FailsWithAcceptedUpdateCompletedWorkflow()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("updateterminated");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var update = await handle.StartUpdateAsync(wf => wf.WaitForReleaseAsync(),
                new WorkflowUpdateStartOptions(WorkflowUpdateStage.Accepted));
            await handle.TerminateAsync("enough");
            var failed = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => update.GetResultAsync());
            failed.InnerException.ShouldBeOfType<ApplicationFailureException>()
                .ErrorType.ShouldBe("AcceptedUpdateCompletedWorkflow");
            await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Query_WhileTheWorkflowTaskKeepsFailing_FailsFastWithWorkflowNotReady()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("queryfailingtask");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<BreakableWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((BreakableWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue) { TaskTimeout = TimeSpan.FromSeconds(1) });
            (await handle.QueryAsync(wf => wf.State)).ShouldBe("fine");
            await handle.SignalAsync(wf => wf.BreakAsync());

            // Temporal fails a query at once from the third attempt of a failing workflow task on; before that a
            // query waits for the task. A short deadline per try keeps a waiting query from hanging the test.
            var short1 = new WorkflowQueryOptions { Rpc = new RpcOptions { Timeout = TimeSpan.FromSeconds(1) } };
            var error = await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        await handle.QueryAsync(wf => wf.State, short1);
                        return null;
                    }
                    catch (RpcException e) when (e.Code is not (RpcException.StatusCode.DeadlineExceeded
                        or RpcException.StatusCode.Cancelled))
                    {
                        return e;
                    }
                    catch (RpcException)
                    {
                        return null;
                    }
                },
                e => e is not null, TimeSpan.FromSeconds(15), "the query failed fast");
            error!.Code.ShouldBe(RpcException.StatusCode.FailedPrecondition);
            await handle.TerminateAsync("test over");
            await Replay.AssertReplaysAsync(handle, typeof(BreakableWorkflow));
        });
    }
}
