using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;

namespace DurableDelivery.Server.Conformance.Tests;

public class ActivityEventOrderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ActivityOutcome_FollowsItsStartedEvent_AndNamesIt(bool disableEager)
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("order");
        using var worker = env.NewWorker(queue, o =>
        {
            o.DisableEagerActivityExecution = disableEager;
            o.AddWorkflow<GreetingWorkflow>().AddAllActivities(typeof(BasicActivities), null);
        });
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (GreetingWorkflow wf) => wf.RunAsync("order"), new(id: $"wf-{queue}", taskQueue: queue));
            await handle.ExecuteUpdateAsync(wf => wf.FinishAsync("done"));
            await handle.GetResultAsync();
            var history = await Replay.AssertReplaysAsync(handle, typeof(GreetingWorkflow));

            // Temporal writes an activity's Started and its outcome together, then the next workflow task.
            var events = history.Events.ToList();
            var started = events.FindIndex(e => e.EventType == EventType.ActivityTaskStarted);
            started.ShouldBeGreaterThan(0);
            var completed = events[started + 1];
            completed.EventType.ShouldBe(EventType.ActivityTaskCompleted);
            completed.ActivityTaskCompletedEventAttributes.StartedEventId.ShouldBe(events[started].EventId);
            completed.ActivityTaskCompletedEventAttributes.ScheduledEventId
                .ShouldBe(events[started].ActivityTaskStartedEventAttributes.ScheduledEventId);
        });
    }
}
