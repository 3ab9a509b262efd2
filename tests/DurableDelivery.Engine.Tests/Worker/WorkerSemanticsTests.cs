using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Engine.Tests.Worker;

public sealed class WorkerSemanticsTests
{
    private static DurableWorkerOptions Options(CountingActivities acts) => new DurableWorkerOptions("q")
        .AddWorkflow<GreetingWorkflow>().AddWorkflow<RetryWorkflow>().AddWorkflow<NonRetryableWorkflow>().AddWorkflow<CancellableWorkflow>()
        .AddWorkflow<CounterWorkflow>().AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>().AddWorkflow<ConditionTimeoutWorkflow>()
        .AddWorkflow<EscapingWorkflow>().AddWorkflow<BuggyWorkflow>().AddWorkflow<RandomWorkflow>().AddAllActivities(acts);

    private static async Task RunAsync(Func<WorkflowEnvironment, CountingActivities, Task> body, Action<DurableWorkerOptions>? configure = null)
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        var acts = new CountingActivities();
        var options = Options(acts);
        configure?.Invoke(options);
        await env.CreateWorker(options).ExecuteAsync(() => body(env, acts).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public Task Activity_FailsTwice_RetriedWithBackoffAndHeartbeatDetailsReachNextAttempt() => RunAsync(async (env, acts) =>
    {
        var result = await env.Client.ExecuteWorkflowAsync((RetryWorkflow wf) => wf.RunAsync(2), new WorkflowOptions("retry/1", "q"));

        result.ShouldBe(3);
        acts.FlakyCalls.ShouldBe(3);
        acts.HeartbeatDetailsSeen.ShouldBe(["none", "[1]", "[2]"]);
        var history = await env.Client.GetWorkflowHandle("retry/1").FetchHistoryAsync();
        history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted).Attempt.ShouldBe(3);
        history.Events.Count(e => e.EventType == EventType.ActivityTaskScheduled).ShouldBe(1, "retries are not new events");
    });

    [Fact]
    public Task Activity_RetriesExhausted_FailsWorkflowWithActivityFailure() => RunAsync(async (env, acts) =>
    {
        var handle = await env.Client.StartWorkflowAsync((RetryWorkflow wf) => wf.RunAsync(10), new WorkflowOptions("retry/2", "q"));

        var error = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());

        acts.FlakyCalls.ShouldBe(5);
        error.Status.ShouldBe(WorkflowExecutionStatus.Failed);
        error.Failure!.Kind.ShouldBe("Activity");
        error.Failure.Cause!.Message.ShouldBe("flaky failure 5");
    });

    [Fact]
    public Task Activity_NonRetryableFailure_NotRetried() => RunAsync(async (env, _) =>
    {
        var handle = await env.Client.StartWorkflowAsync((NonRetryableWorkflow wf) => wf.RunAsync(), new WorkflowOptions("hard/1", "q"));

        var error = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultJsonAsync());

        error.Failure!.Cause!.Type.ShouldBe("BadInput");
        (await handle.FetchHistoryAsync()).Events.Single(e => e.EventType == EventType.ActivityTaskStarted).Attempt.ShouldBe(1);
    });

    [Fact]
    public Task Cancel_RunningActivity_LearnsThroughHeartbeatAndWorkflowEndsCanceled() => RunAsync(async (env, acts) =>
    {
        var handle = await env.Client.StartWorkflowAsync((CancellableWorkflow wf) => wf.RunAsync(), new WorkflowOptions("cancel/1", "q"));
        await EventuallyAsync(async () => (await handle.DescribeAsync()).PendingActivities is [{ State: "Started" }]);

        await handle.CancelAsync("operator asked");
        var error = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultJsonAsync());

        error.Status.ShouldBe(WorkflowExecutionStatus.Canceled);
        acts.GreetCalls.ShouldBe(1, "the clean-up activity ran on a fresh token");
        var types = (await handle.FetchHistoryAsync()).Events.Select(e => e.EventType).ToList();
        types.ShouldContain(EventType.WorkflowExecutionCancelRequested);
        types.ShouldContain(EventType.ActivityTaskCancelRequested);
        types.ShouldContain(EventType.ActivityTaskCanceled);
        types[^1].ShouldBe(EventType.WorkflowExecutionCanceled);
    }, o => o.AddWorkflow<CancellableWorkflow>());

    [Fact]
    public Task Terminate_OpenWorkflow_ClosesAtOnceWithReason() => RunAsync(async (env, _) =>
    {
        var handle = await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("x", 1)), new WorkflowOptions("term/1", "q"));
        await EventuallyAsync(async () => await handle.QueryAsync(wf => wf.Status) == "waiting for approvals");

        await handle.TerminateAsync("stuck");

        var error = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultJsonAsync());
        error.Status.ShouldBe(WorkflowExecutionStatus.Terminated);
        error.Failure!.Message.ShouldBe("stuck");
        await Should.ThrowAsync<WorkflowClosedException>(() => handle.SignalAsync(wf => wf.ApproveAsync("late")));
    });

    [Fact]
    public Task ContinueAsNew_ChainsRunsWithFreshHistory() => RunAsync(async (env, _) =>
    {
        var handle = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(0, 3), new WorkflowOptions("counter/1", "q"));

        (await handle.GetResultAsync()).ShouldBe(3);

        var runs = await env.Client.ListWorkflowsAsync(new WorkflowListFilter { WorkflowIdPrefix = "counter/1" }).ToListAsync();
        runs.Count.ShouldBe(4);
        runs.Count(r => r.Status == WorkflowExecutionStatus.ContinuedAsNew).ShouldBe(3);
        runs.ShouldAllBe(r => r.HistoryLength < 10);
    });

    [Fact]
    public Task ChildWorkflow_ResultReturnsToParent() => RunAsync(async (env, acts) =>
    {
        var result = await env.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync("kid"), new WorkflowOptions("parent/1", "q"));

        result.ShouldBe("parent got: Hello, kid");
        var child = await env.Client.GetWorkflowHandle("child/kid").DescribeAsync();
        child.ParentWorkflowId.ShouldBe("parent/1");
        child.Status.ShouldBe(WorkflowExecutionStatus.Completed);
        var types = (await env.Client.GetWorkflowHandle("parent/1").FetchHistoryAsync()).Events.Select(e => e.EventType).ToList();
        types.ShouldContain(EventType.StartChildWorkflowExecutionInitiated);
        types.ShouldContain(EventType.ChildWorkflowExecutionStarted);
        types.ShouldContain(EventType.ChildWorkflowExecutionCompleted);
    });

    [Fact]
    public Task WaitCondition_WithTimeout_FalseOnTimeoutTrueOnSignal() => RunAsync(async (env, _) =>
    {
        env.AutoTimeSkipping = false;
        var handle = await env.Client.StartWorkflowAsync((ConditionTimeoutWorkflow wf) => wf.RunAsync(), new WorkflowOptions("cond/1", "q"));
        await EventuallyAsync(async () => (await handle.FetchHistoryAsync()).Events.Any(e => e.EventType == EventType.TimerStarted));
        await env.DelayAsync(TimeSpan.FromMinutes(5));
        await EventuallyAsync(async () => (await handle.FetchHistoryAsync()).Events.Count(e => e.EventType == EventType.TimerStarted) == 2);

        await handle.SignalAsync(wf => wf.GoAsync());

        (await handle.GetResultAsync<string>()).ShouldBe("False,True");
        var events = (await handle.FetchHistoryAsync()).Events;
        events.Count(e => e.EventType == EventType.TimerFired).ShouldBe(1);
        events.Count(e => e.EventType == EventType.TimerCanceled).ShouldBe(1);
    });

    [Fact]
    public Task WorkflowCode_EscapesScheduler_TaskFailsWithClearMessageAndWorkflowStaysOpen() => RunAsync(async (env, _) =>
    {
        var handle = await env.Client.StartWorkflowAsync((EscapingWorkflow wf) => wf.RunAsync(), new WorkflowOptions("escape/1", "q"));

        await EventuallyAsync(async () => (await handle.DescribeAsync()).LastWorkflowTaskFailure is not null);

        var d = await handle.DescribeAsync();
        d.Status.ShouldBe(WorkflowExecutionStatus.Running);
        d.LastWorkflowTaskFailure!.Type.ShouldBe(nameof(InvalidWorkflowSchedulerException));
        d.LastWorkflowTaskFailure.Message.ShouldContain("continued on a thread outside its deterministic scheduler");
    });

    [Fact]
    public Task WorkflowCode_ThrowsPlainException_TaskRetriedWorkflowNotFailed() => RunAsync(async (env, _) =>
    {
        var handle = await env.Client.StartWorkflowAsync((BuggyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("bug/1", "q"));

        await EventuallyAsync(async () => (await handle.DescribeAsync()).WorkflowTaskAttempts >= 2);

        var d = await handle.DescribeAsync();
        d.Status.ShouldBe(WorkflowExecutionStatus.Running);
        d.LastWorkflowTaskFailure!.Message.ShouldBe("bug in workflow code");
        (await handle.FetchHistoryAsync()).Events.Count.ShouldBe(1, "a failed workflow task records nothing");
    });

    [Fact]
    public async Task SignalWithStart_StartsOnceAndDeliversEverySignal()
    {
        // Both calls land before any worker runs: with a worker already polling, the run could finish on
        // the first approval and the second call would (rightly, as in Temporal) start a new run.
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        for (var i = 0; i < 2; i++)
        {
            var options = new WorkflowOptions("sws/1", "q");
            options.SignalWithStart((GreetingWorkflow wf) => wf.ApproveAsync($"p{i}"));
            await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("s", 0)), options);
        }

        await env.CreateWorker(Options(new CountingActivities())).ExecuteAsync(async () =>
        {
            var handle = env.Client.GetWorkflowHandle<GreetingWorkflow>("sws/1");
            (await handle.GetResultAsync<string>().WaitAsync(TimeSpan.FromSeconds(30))).ShouldStartWith("Hello, s (approved by p0, p1 at");
            (await env.Client.ListWorkflowsAsync(new WorkflowListFilter { WorkflowIdPrefix = "sws/" }).ToListAsync()).Count.ShouldBe(1);
        });
    }

    [Fact]
    public Task IdPolicies_RejectDuplicateAndConflict() => RunAsync(async (env, _) =>
    {
        await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("a", 0)), new WorkflowOptions("ids/1", "q"));

        var conflict = await Should.ThrowAsync<WorkflowAlreadyStartedException>(
            () => env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("a", 0)), new WorkflowOptions("ids/1", "q")));
        conflict.Message.ShouldContain("a run is open");

        var existing = await env.Client.StartWorkflowAsync(
            (GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("a", 0)),
            new WorkflowOptions("ids/1", "q") { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
        existing.RunId.ShouldBe(conflict.RunId);

        await existing.TerminateAsync("done");
        await Should.ThrowAsync<WorkflowAlreadyStartedException>(() => env.Client.StartWorkflowAsync(
            (GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("a", 0)),
            new WorkflowOptions("ids/1", "q") { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate }));
    });

    [Fact]
    public Task Query_ClosedWorkflow_AnsweredFromHistory() => RunAsync(async (env, _) =>
    {
        var options = new WorkflowOptions("q/1", "q");
        options.SignalWithStart((GreetingWorkflow wf) => wf.ApproveAsync("z"));
        var handle = await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("q", 0)), options);
        await handle.GetResultAsync<string>();

        (await handle.QueryAsync(wf => wf.Status)).ShouldBe("done");
        var error = await Should.ThrowAsync<ArgumentException>(() => handle.QueryAsync<string>("nope", []));
        error.Message.ShouldBe("Workflow type 'GreetingWorkflow' has no query 'nope'; known queries: Approvals, Status.");
    });

    [Fact]
    public Task DeterministicRandomAndGuid_SameOnReplay() => RunAsync(async (env, _) =>
    {
        var handle = await env.Client.StartWorkflowAsync((RandomWorkflow wf) => wf.RunAsync(), new WorkflowOptions("rand/1", "q"));
        var first = await handle.GetResultAsync();

        // A query replays the whole history in a fresh instance: if Random differed, replay would diverge.
        new WorkflowReplayer().AddWorkflow<RandomWorkflow>().ReplayWorkflow(await handle.FetchHistoryAsync());
        first.ShouldMatch(@"^\d+-[0-9a-f-]{36}\|\d+$");
    });

    [Fact]
    public Task SmallCache_EvictedWorkflowsRebuiltByReplay() => RunAsync(
        async (env, acts) =>
        {
            var handles = new List<WorkflowHandle<GreetingWorkflow, string>>();
            for (var i = 0; i < 8; i++)
            {
                handles.Add(await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput($"n{i}", 1)), new WorkflowOptions($"evict/{i}", "q")));
            }

            foreach (var h in handles)
            {
                await EventuallyAsync(async () => await h.QueryAsync(wf => wf.Status) == "waiting for approvals");
                await h.SignalAsync(wf => wf.ApproveAsync("ok"));
            }

            var results = await Task.WhenAll(handles.Select(h => h.GetResultAsync()));
            results.Select(r => r[..9]).ShouldBe(Enumerable.Range(0, 8).Select(i => $"Hello, n{i}"[..9]));
            acts.GreetCalls.ShouldBe(8, "replay never re-runs a completed activity");
        },
        o => o.MaxCachedWorkflows = 1);
}
