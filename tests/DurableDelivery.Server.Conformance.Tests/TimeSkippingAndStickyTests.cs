using System.Diagnostics;
using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.TestService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class TimeSkippingAndStickyTests
{
    [ConformanceFact]
    public async Task TimeSkipping_ThirtyMinuteSleep_CompletesInUnderASecond()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true);
        var queue = ServerEnvironment.NewTaskQueue("timeskipping");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SleepWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var watch = Stopwatch.StartNew();
            var handle = await env.Client.StartWorkflowAsync(
                (SleepWorkflow wf) => wf.RunAsync(TimeSpan.FromMinutes(30)), new(id: $"wf-{queue}", taskQueue: queue));
            var slept = await handle.GetResultAsync();
            watch.Stop();
            slept.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMinutes(30));
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
            var history = await Replay.AssertReplaysAsync(handle, typeof(SleepWorkflow));
            Replay.Types(history).ShouldContain(EventType.TimerFired);
        });
    }

    [ConformanceFact]
    public async Task TimeSkipping_StartedLocked_SkipsWhileTheClientUnlocks()
    {
        // As Temporalio.Testing.WorkflowEnvironment does with the test server: locked by default, unlocked by the
        // client around a result wait.
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true, startLocked: true);
        var queue = ServerEnvironment.NewTaskQueue("timeskippinglocked");
        var testService = env.Client.Connection.TestService;
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SleepWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var before = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
            var watch = Stopwatch.StartNew();
            var handle = await env.Client.StartWorkflowAsync(
                (SleepWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(2)), new(id: $"wf-{queue}", taskQueue: queue));
            await testService.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest());
            TimeSpan slept;
            try
            {
                slept = await handle.GetResultAsync();
            }
            finally
            {
                await testService.LockTimeSkippingAsync(new LockTimeSkippingRequest());
            }

            watch.Stop();
            slept.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(2));
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
            var after = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
            (after - before).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(2));
            await Replay.AssertReplaysAsync(handle, typeof(SleepWorkflow));
        });
    }

    [ConformanceFact]
    public async Task NonSticky_MaxCachedWorkflowsZero_RunsTheBasicWorkflow()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("nonsticky");
        using var worker = env.NewWorker(queue, o =>
        {
            o.MaxCachedWorkflows = 0;
            o.AddWorkflow<GreetingWorkflow>().AddAllActivities(typeof(BasicActivities), null);
        });
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("Temporal"),
                new(id: $"wf-{queue}", taskQueue: queue));
            await handle.SignalAsync(wf => wf.AddAsync("a"));
            await Eventually.EventuallyAsync(async () => (await handle.QueryAsync(wf => wf.Signals)).Count == 1,
                TimeSpan.FromSeconds(20), "the signal seen by a query");
            await Should.ThrowAsync<WorkflowUpdateFailedException>(() =>
                handle.ExecuteUpdateAsync(wf => wf.FinishAsync("")));
            (await handle.ExecuteUpdateAsync(wf => wf.FinishAsync("enough"))).ShouldBe(1);
            (await handle.GetResultAsync()).ShouldBe("Hello, Temporal! signals=a");
            var history = await Replay.AssertReplaysAsync(handle, typeof(GreetingWorkflow));

            // Every workflow task went to the normal queue, with the whole history.
            history.Events.Where(e => e.EventType == EventType.WorkflowTaskScheduled)
                .ShouldAllBe(e => e.WorkflowTaskScheduledEventAttributes.TaskQueue.Kind == TaskQueueKind.Normal);
        });
    }

    [ConformanceFact]
    public async Task Sticky_DefaultWorker_GetsLaterTasksOnItsStickyQueue()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("sticky");
        using var worker = env.NewWorker(queue, o =>
            o.AddWorkflow<GreetingWorkflow>().AddAllActivities(typeof(BasicActivities), null));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("sticky"),
                new(id: $"wf-{queue}", taskQueue: queue));
            await handle.SignalAsync(wf => wf.AddAsync("s"));
            (await handle.ExecuteUpdateAsync(wf => wf.FinishAsync("enough"))).ShouldBe(1);
            (await handle.GetResultAsync()).ShouldBe("Hello, sticky! signals=s");
            var history = await Replay.AssertReplaysAsync(handle, typeof(GreetingWorkflow));
            var scheduled = history.Events.Where(e => e.EventType == EventType.WorkflowTaskScheduled)
                .Select(e => e.WorkflowTaskScheduledEventAttributes.TaskQueue).ToList();
            scheduled[0].Kind.ShouldBe(TaskQueueKind.Normal);
            scheduled.Skip(1).ShouldContain(q => q.Kind == TaskQueueKind.Sticky && q.NormalName == queue);
        });
    }

    [ConformanceFact]
    public async Task TimeSkipping_RunTimeoutBeforeTimer_WorkflowTimesOut()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true);
        var queue = ServerEnvironment.NewTaskQueue("runtimeout");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SleepWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (SleepWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(1)),
                new(id: $"wf-{queue}", taskQueue: queue) { RunTimeout = TimeSpan.FromMinutes(10) });
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<TimeoutFailureException>();
            (await handle.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.TimedOut);
            var history = await Replay.AssertReplaysAsync(handle, typeof(SleepWorkflow));
            Replay.Types(history)[^1].ShouldBe(EventType.WorkflowExecutionTimedOut);
        });
    }

    [ConformanceFact]
    public async Task Sticky_WorkerReplaced_NextWorkerContinuesTheWorkflow()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("stickyreplaced");
        var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(2),
            new(id: $"wf-{queue}", taskQueue: queue));
        using (var first = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>()))
        {
            await first.ExecuteAsync(async () =>
            {
                await handle.SignalAsync(wf => wf.AddAsync("to the first worker"));
                await Eventually.EventuallyAsync(
                    async () => (await handle.QueryAsync(wf => wf.Signals)).Count == 1,
                    TimeSpan.FromSeconds(20), "the first worker saw the signal");
            });
        }

        // The first worker shut down: its sticky queue is gone and the next task goes to the normal queue.
        await handle.SignalAsync(wf => wf.AddAsync("to the second worker"));
        using var second = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await second.ExecuteAsync(async () =>
        {
            (await handle.GetResultAsync()).ShouldBe(["to the first worker", "to the second worker"]);
            await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
        });
    }

    /// <summary>
    /// A sticky worker that dies (no shutdown call) still counts as a recent poller for a while, so a query goes to its
    /// sticky queue; as in Temporal's history service, when nobody answers within the sticky schedule-to-start timeout
    /// the run loses stickiness and the query goes to the normal queue, where a live worker answers it.
    /// </summary>
    [ConformanceFact]
    public async Task Sticky_WorkerDiedWithoutShutdown_QueryFallsBackToTheNormalQueue()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("stickyquery");
        var sticky = $"{queue}-sticky";
        var service = env.Client.WorkflowService;
        var handle = await env.Client.StartWorkflowAsync("AnyWorkflow", [], new(id: $"wf-{queue}", taskQueue: queue));

        // A "worker" completes the first task asking for stickiness (2 s schedule-to-start), polls its sticky queue once,
        // then is gone.
        var first = await service.PollWorkflowTaskQueueAsync(new Temporalio.Api.WorkflowService.V1.PollWorkflowTaskQueueRequest
        {
            Namespace = "default",
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
            Identity = "dying-worker",
        });
        await service.RespondWorkflowTaskCompletedAsync(new Temporalio.Api.WorkflowService.V1.RespondWorkflowTaskCompletedRequest
        {
            Namespace = "default",
            TaskToken = first.TaskToken,
            Identity = "dying-worker",
            StickyAttributes = new Temporalio.Api.TaskQueue.V1.StickyExecutionAttributes
            {
                WorkerTaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = sticky, Kind = TaskQueueKind.Sticky, NormalName = queue },
                ScheduleToStartTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
            },
        });
        using (var brief = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Should.ThrowAsync<Exception>(() => service.PollWorkflowTaskQueueAsync(
                new Temporalio.Api.WorkflowService.V1.PollWorkflowTaskQueueRequest
                {
                    Namespace = "default",
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = sticky, Kind = TaskQueueKind.Sticky, NormalName = queue },
                    Identity = "dying-worker",
                },
                new RpcOptions { CancellationToken = brief.Token }));
        }

        // The query goes to the dead sticky queue first; a live worker polling the normal queue gets it after the timeout.
        var query = service.QueryWorkflowAsync(
            new Temporalio.Api.WorkflowService.V1.QueryWorkflowRequest
            {
                Namespace = "default",
                Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = handle.Id },
                Query = new Temporalio.Api.Query.V1.WorkflowQuery { QueryType = "status" },
            },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(30) });
        var task = await service.PollWorkflowTaskQueueAsync(
            new Temporalio.Api.WorkflowService.V1.PollWorkflowTaskQueueRequest
            {
                Namespace = "default",
                TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
                Identity = "live-worker",
            },
            new RpcOptions { Timeout = TimeSpan.FromSeconds(30) });
        task.Query.ShouldNotBeNull("the normal queue's poller got the query task");
        task.Query.QueryType.ShouldBe("status");
        await service.RespondQueryTaskCompletedAsync(new Temporalio.Api.WorkflowService.V1.RespondQueryTaskCompletedRequest
        {
            Namespace = "default",
            TaskToken = task.TaskToken,
            CompletedType = QueryResultType.Answered,
            QueryResult = new Temporalio.Api.Common.V1.Payloads(),
        });
        (await query).QueryResult.ShouldNotBeNull();
    }

    [ConformanceFact]
    public async Task TimeSkipping_ActivityRetryBackoffsAndTimers_AreSkipped()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true);
        var queue = ServerEnvironment.NewTaskQueue("skipretries");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<LongRunningWorkflow>().AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            // Two one-hour retry backoffs, then a day: 26 hours of workflow time, in well under the test's timeout.
            var watch = Stopwatch.StartNew();
            var handle = await env.Client.StartWorkflowAsync((LongRunningWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("took 26 hours of workflow time");
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
            activities.Attempts.ToArray().ShouldBe([1, 2, 3]);
            await Replay.AssertReplaysAsync(handle, typeof(LongRunningWorkflow));
        });
    }

    [ConformanceFact]
    public async Task TimeSkipping_UnlockedSleep_AdvancesExactlyTheGivenTime()
    {
        // WorkflowEnvironment.DelayAsync on the test server: unlock, let the clock move by the duration, lock again.
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true, startLocked: true);
        var queue = ServerEnvironment.NewTaskQueue("unlockwithsleep");
        var testService = env.Client.Connection.TestService;
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SleepWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (SleepWorkflow wf) => wf.RunAsync(TimeSpan.FromHours(2)), new(id: $"wf-{queue}", taskQueue: queue));
            await Eventually.EventuallyAsync(
                async () => Replay.Types(await handle.FetchHistoryAsync()).Contains(EventType.TimerStarted),
                TimeSpan.FromSeconds(20), "the workflow started its two-hour timer");
            var before = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
            await testService.UnlockTimeSkippingWithSleepAsync(
                new SleepRequest { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(1)) });
            var after = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
            (after - before).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(1));
            (after - before).ShouldBeLessThan(TimeSpan.FromHours(2), "skipping went past the sleep");
            (await handle.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Running);

            await testService.UnlockTimeSkippingWithSleepAsync(
                new SleepRequest { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(1)) });
            await testService.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest());
            (await handle.GetResultAsync()).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(2));
            await testService.LockTimeSkippingAsync(new LockTimeSkippingRequest());
            await Replay.AssertReplaysAsync(handle, typeof(SleepWorkflow));
        });
    }

    [ConformanceFact]
    public async Task TimeSkipping_UnlockedSleeps_NeverSkipPastTheirEnd()
    {
        // A later due time is pending (a far sleep); each unlocked one-hour sleep must stop at its own end. Skipping
        // raced the sleep: the timer loop could skip to the later time it had looked at before the sleep's end was
        // added, or before the sleep took its lock back.
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true, startLocked: true);
        var testService = env.Client.Connection.TestService;
        var start = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
        using var stop = new CancellationTokenSource();
        var farSleep = testService.SleepUntilAsync(
            new SleepUntilRequest { Timestamp = Timestamp.FromDateTimeOffset(start + TimeSpan.FromDays(1000)) },
            new Temporalio.Client.RpcOptions { CancellationToken = stop.Token });
        var hour = new SleepRequest { Duration = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };
        for (var i = 0; i < 100; i++)
        {
            var before = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
            await testService.UnlockTimeSkippingWithSleepAsync(hour);
            var after = (await testService.GetCurrentTimeAsync(new())).Time.ToDateTimeOffset();
            (after - before).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(1));
            (after - before).ShouldBeLessThan(TimeSpan.FromHours(1.5), $"sleep {i} went past its end");
        }

        farSleep.IsCompleted.ShouldBeFalse(farSleep.Exception?.ToString());
        await stop.CancelAsync();
        await Should.ThrowAsync<Exception>(() => farSleep);
    }

    [ConformanceFact]
    public async Task TimeSkipping_ExecutionTimeout_SpansContinueAsNewAndEndsTheChain()
    {
        await using var env = await ServerEnvironment.StartAsync(timeSkipping: true);
        var queue = ServerEnvironment.NewTaskQueue("executiontimeout");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<HourlyLoopWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((HourlyLoopWorkflow wf) => wf.RunAsync(1),
                new(id: $"wf-{queue}", taskQueue: queue) { ExecutionTimeout = TimeSpan.FromHours(2.5) });
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            failed.InnerException.ShouldBeOfType<TimeoutFailureException>();
            var runs = await Replay.AssertChainReplaysAsync(
                env.Client, handle.Id, handle.ResultRunId!, typeof(HourlyLoopWorkflow));
            runs.Count.ShouldBe(3);
            runs[^1].Events.Last().EventType.ShouldBe(EventType.WorkflowExecutionTimedOut);
            var firstStart = runs[0].Events.First().EventTime.ToDateTimeOffset();
            var timedOut = runs[^1].Events.Last().EventTime.ToDateTimeOffset();
            (timedOut - firstStart).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(2.5));
            (timedOut - firstStart).ShouldBeLessThan(TimeSpan.FromHours(3));
        });
    }
}
