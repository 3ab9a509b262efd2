using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace DurableDelivery.Server.Conformance.Tests;

public class TimerTests
{
    [ConformanceFact]
    public async Task Timer_CancelledBeforeFiring_NeverFires()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("canceltimer");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancelTimerWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancelTimerWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe("long timer cancelled");
            var history = await Replay.AssertReplaysAsync(handle, typeof(CancelTimerWorkflow));
            var types = Replay.Types(history);
            types.Count(t => t == EventType.TimerStarted).ShouldBe(2);
            types.Count(t => t == EventType.TimerFired).ShouldBe(1);
            types.Count(t => t == EventType.TimerCanceled).ShouldBe(1);
        });
    }

    [ConformanceFact]
    public async Task Timer_TwentyTimersAtOnce_AllFireInDueOrder()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("manytimers");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ManyTimersWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ManyTimersWorkflow wf) => wf.RunAsync(20),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe(Enumerable.Range(0, 20).Reverse().ToList());
            var history = await Replay.AssertReplaysAsync(handle, typeof(ManyTimersWorkflow));
            Replay.Types(history).Count(t => t == EventType.TimerFired).ShouldBe(20);
        });
    }

    [ConformanceFact]
    public async Task Timer_FiredWhileTheTaskThatCancelsItRuns_EndsCanceledNotFired()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("cancelfiredtimer");
        var gate = new GateActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancelFiredTimerWorkflow>().AddAllActivities(gate));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancelFiredTimerWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var started = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync()).Events
                    .FirstOrDefault(e => e.EventType == EventType.TimerStarted),
                e => e is not null, TimeSpan.FromSeconds(20), "the timer started");
            await handle.SignalAsync(wf => wf.GoAsync());
            await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
            var history = await handle.FetchHistoryAsync();
            Replay.Types(history).ShouldNotContain(EventType.TimerFired,
                "the task holding the gate must start before the timer fires, or this test proves nothing");

            // Let the timer come due on the server while the task runs: its TimerFired is buffered.
            var due = started!.EventTime.ToDateTimeOffset() + TimeSpan.FromSeconds(2.3);
            await Eventually.EventuallyAsync(
                async () => (await env.Client.Connection.TestService.GetCurrentTimeAsync(new())).Time
                    .ToDateTimeOffset() >= due,
                TimeSpan.FromSeconds(20), "the server clock passed the timer's due time");
            gate.Gate.SetResult();

            // As in Temporal: cancelling a timer whose TimerFired is buffered drops the event, writes TimerCanceled.
            (await handle.GetResultAsync()).ShouldBe("timer cancelled");
            history = await Replay.AssertReplaysAsync(handle, typeof(CancelFiredTimerWorkflow));
            var types = Replay.Types(history);
            types.ShouldNotContain(EventType.TimerFired);
            types.ShouldNotContain(EventType.WorkflowTaskFailed);
            history.Events.Single(e => e.EventType == EventType.TimerCanceled).TimerCanceledEventAttributes
                .StartedEventId.ShouldBe(started.EventId);
        });
    }
}
