using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class ActivityTests
{
    private static readonly Type[] Workflows =
        [typeof(ActivityCallerWorkflow), typeof(CatchActivityFailureWorkflow), typeof(CancelActivityWorkflow),
            typeof(AsyncCompletionWorkflow)];

    [ConformanceFact]
    public async Task Activity_FailsTwice_RetriedByServerUntilAttemptThreeSucceeds()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("retry");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) =>
                wf.RunAsync(new ActivityCall("FailTwice", 5, null, 10_000)), new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("succeeded on attempt 3");
            activities.Attempts.ToArray().ShouldBe([1, 2, 3]);

            // Retries happen on the server and write no events: one schedule, one start (attempt 3), one result.
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            var types = Replay.Types(history);
            types.Count(t => t == EventType.ActivityTaskScheduled).ShouldBe(1);
            types.Count(t => t == EventType.ActivityTaskStarted).ShouldBe(1);
            types.Count(t => t == EventType.ActivityTaskCompleted).ShouldBe(1);
            var started = history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted)
                .ActivityTaskStartedEventAttributes;
            started.Attempt.ShouldBe(3);
            started.LastFailure.Message.ShouldBe("attempt 2 fails");
        });
    }

    [ConformanceFact]
    public async Task Activity_NonRetryableErrorType_FailsWorkflowAfterOneAttempt()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("nonretryable");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) =>
                wf.RunAsync(new ActivityCall("FailsFatally", 0, "Fatal", 10_000)),
                new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            var activityFailure = failed.InnerException.ShouldBeOfType<ActivityFailureException>();
            activityFailure.RetryState.ShouldBe(RetryState.NonRetryableFailure);
            var cause = activityFailure.InnerException.ShouldBeOfType<ApplicationFailureException>();
            cause.ErrorType.ShouldBe("Fatal");
            cause.Message.ShouldBe("this cannot work");
            activities.Attempts.ToArray().ShouldBe([1]);
            await Replay.AssertReplaysAsync(handle, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Activity_MaximumAttemptsReached_WorkflowCatchesActivityFailure()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("maxattempts");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CatchActivityFailureWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CatchActivityFailureWorkflow wf) => wf.RunAsync(3),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("MaximumAttemptsReached|Flaky|attempt 3 fails");
            activities.Attempts.ToArray().ShouldBe([1, 2, 3]);
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            history.Events.Single(e => e.EventType == EventType.ActivityTaskFailed)
                .ActivityTaskFailedEventAttributes.RetryState.ShouldBe(RetryState.MaximumAttemptsReached);
        });
    }

    [ConformanceFact]
    public async Task Activity_HeartbeatDetails_ReachTheNextAttempt()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("hbdetails");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) =>
                wf.RunAsync(new ActivityCall("ResumeFromHeartbeat", 3, null, 10_000)),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("progress-42");
            activities.Attempts.ToArray().ShouldBe([1, 2]);
            await Replay.AssertReplaysAsync(handle, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Activity_NoHeartbeatWithinTimeout_TimesOutWithHeartbeatType()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("hbtimeout");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) =>
                wf.RunAsync(new ActivityCall("Block", 1, null, 30_000, HeartbeatMs: 1_000)),
                new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            var activityFailure = failed.InnerException.ShouldBeOfType<ActivityFailureException>();
            activityFailure.RetryState.ShouldBe(RetryState.MaximumAttemptsReached);
            activityFailure.InnerException.ShouldBeOfType<TimeoutFailureException>()
                .TimeoutType.ShouldBe(TimeoutType.Heartbeat);
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            history.Events.ShouldContain(e => e.EventType == EventType.ActivityTaskTimedOut);
        });
    }

    [ConformanceFact]
    public async Task Activity_RunsPastStartToClose_TimesOutAndIsRetried()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("stctimeout");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) =>
                wf.RunAsync(new ActivityCall("Block", 2, null, 500)), new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            var activityFailure = failed.InnerException.ShouldBeOfType<ActivityFailureException>();
            activityFailure.RetryState.ShouldBe(RetryState.MaximumAttemptsReached);
            activityFailure.InnerException.ShouldBeOfType<TimeoutFailureException>()
                .TimeoutType.ShouldBe(TimeoutType.StartToClose);
            activities.Attempts.ToArray().ShouldBe([1, 2]);
            await Replay.AssertReplaysAsync(handle, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Activity_CancelledByWorkflow_SeesCancellationThroughHeartbeat()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancelactivity");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancelActivityWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancelActivityWorkflow wf) => wf.RunAsync(false),
                new(id: $"wf-{queue}", taskQueue: queue));
            await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await handle.SignalAsync(wf => wf.CancelActivityAsync());
            (await handle.GetResultAsync()).ShouldBe("cancelled");
            (await activities.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20)))
                .ShouldBe(Temporalio.Activities.ActivityCancelReason.CancelRequested);
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            var types = Replay.Types(history);
            types.ShouldContain(EventType.ActivityTaskCancelRequested);
            types.ShouldContain(EventType.ActivityTaskCanceled);
        });
    }

    [ConformanceFact]
    public async Task Activity_CompletedByIdThroughAsyncHandle_WorkflowGetsResult()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("asynccompletion");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<AsyncCompletionWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((AsyncCompletionWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var info = await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            info.WorkflowId.ShouldBe(handle.Id);
            await env.Client.GetAsyncActivityHandle(handle.Id, handle.ResultRunId!, info.ActivityId)
                .CompleteAsync("completed from outside");
            (await handle.GetResultAsync()).ShouldBe("completed from outside");
            await Replay.AssertReplaysAsync(handle, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Activity_HeartbeatTimedOutAttempt_NextAttemptGetsItsDetails()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("hbtimeoutdetails");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) =>
                wf.RunAsync(new ActivityCall("GoSilentAfterHeartbeat", 3, null, 30_000, HeartbeatMs: 1_000)),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("progress-7");
            activities.Attempts.ToArray().ShouldBe([1, 2]);
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            var started = history.Events.Single(e => e.EventType == EventType.ActivityTaskStarted)
                .ActivityTaskStartedEventAttributes;
            started.Attempt.ShouldBe(2);
            started.LastFailure.TimeoutFailureInfo.TimeoutType.ShouldBe(TimeoutType.Heartbeat);
        });
    }

    [ConformanceFact]
    public async Task Activity_CancelledBeforeItStarts_IsCanceledWithoutAWorker()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancelunstarted");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancelUnstartedActivityWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancelUnstartedActivityWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("cancelled before start");
            var history = await Replay.AssertReplaysAsync(handle, typeof(CancelUnstartedActivityWorkflow));
            var types = Replay.Types(history);
            types.ShouldNotContain(EventType.ActivityTaskStarted);
            var canceled = history.Events.Single(e => e.EventType == EventType.ActivityTaskCanceled)
                .ActivityTaskCanceledEventAttributes;
            canceled.StartedEventId.ShouldBe(0);
            types.IndexOf(EventType.ActivityTaskCanceled)
                .ShouldBe(types.IndexOf(EventType.ActivityTaskCancelRequested) + 1);
        });
    }

    [ConformanceFact]
    public async Task Activity_WorkflowCancelled_ActivitySeesCancellationAndWorkflowEndsCanceled()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancelwithactivity");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancellableActivityWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancellableActivityWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await handle.CancelAsync();
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<CanceledFailureException>();
            (await activities.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20)))
                .ShouldBe(Temporalio.Activities.ActivityCancelReason.CancelRequested);
            var history = await Replay.AssertReplaysAsync(handle, typeof(CancellableActivityWorkflow));
            var types = Replay.Types(history);
            types.ShouldContain(EventType.ActivityTaskCanceled);
            types[^1].ShouldBe(EventType.WorkflowExecutionCanceled);
        });
    }

    [ConformanceFact]
    public async Task Activity_NoTimeLeftForAnotherAttempt_TimesOutAsScheduleToClose()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("noretrytime");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ActivityCallerWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            // Attempt 1 times out after 0.5 s; the next would start after a 2 s backoff, past the 1.5 s
            // schedule-to-close: Temporal gives up at once and reports a schedule-to-close timeout.
            var call = new ActivityCall("Block", 0, null, 500, ScheduleToCloseMs: 1_500, InitialIntervalMs: 2_000);
            var handle = await env.Client.StartWorkflowAsync((ActivityCallerWorkflow wf) => wf.RunAsync(call),
                new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            var activityFailure = failed.InnerException.ShouldBeOfType<ActivityFailureException>();
            activityFailure.RetryState.ShouldBe(RetryState.Timeout);
            activityFailure.InnerException.ShouldBeOfType<TimeoutFailureException>()
                .TimeoutType.ShouldBe(TimeoutType.ScheduleToClose);
            activities.Attempts.ToArray().ShouldBe([1]);
            await Replay.AssertReplaysAsync(handle, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Activity_FailingAfterItsCancellationWasRequested_IsNotRetried()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("failoncancel");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancelActivityWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancelActivityWorkflow wf) => wf.RunAsync(true),
                new(id: $"wf-{queue}", taskQueue: queue));
            await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            await handle.SignalAsync(wf => wf.CancelActivityAsync());
            (await handle.GetResultAsync()).ShouldBe("CancelRequested|failed while being cancelled");
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            history.Events.Single(e => e.EventType == EventType.ActivityTaskFailed)
                .ActivityTaskFailedEventAttributes.RetryState.ShouldBe(RetryState.CancelRequested);
        });
    }

    [ConformanceFact]
    public async Task Activity_NobodyPollsItsQueue_TimesOutScheduleToStartWithoutRetry()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("scheduletostart");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<UnpolledActivityWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((UnpolledActivityWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("Timeout|ScheduleToStart");
            var history = await Replay.AssertReplaysAsync(handle, typeof(UnpolledActivityWorkflow));
            var types = Replay.Types(history);
            types.ShouldNotContain(EventType.ActivityTaskStarted);
            history.Events.Single(e => e.EventType == EventType.ActivityTaskTimedOut)
                .ActivityTaskTimedOutEventAttributes.StartedEventId.ShouldBe(0);
        });
    }

    [ConformanceFact]
    public async Task Activity_HeartbeatByIdBeforeItStarts_LeavesItToTheWorker()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("heartbeatbyid");
        var activityQueue = $"{queue}-activities";
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<LateActivityWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((LateActivityWorkflow wf) => wf.RunAsync(activityQueue),
                new(id: $"wf-{queue}", taskQueue: queue));
            await Eventually.EventuallyAsync(
                async () => Replay.Types(await handle.FetchHistoryAsync()).Contains(EventType.ActivityTaskScheduled),
                TimeSpan.FromSeconds(20), "the activity is scheduled");

            // A heartbeat records progress; it does not start the activity (nobody could run it then).
            await env.Client.GetAsyncActivityHandle(handle.Id, handle.ResultRunId!, "late").HeartbeatAsync();
            using var late = env.NewWorker(activityQueue, o => o.AddActivity(LateActivities.Hello));
            await late.ExecuteAsync(async () =>
                (await handle.GetResultAsync()).ShouldBe("hello from the late worker"));
            await Replay.AssertReplaysAsync(handle, typeof(LateActivityWorkflow));
        });
    }
}
