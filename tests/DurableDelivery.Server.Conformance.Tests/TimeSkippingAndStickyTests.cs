using System.Diagnostics;
using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
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
}
