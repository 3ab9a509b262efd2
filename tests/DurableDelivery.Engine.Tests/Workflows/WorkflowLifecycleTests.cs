using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using static DurableDelivery.Tests.Shared.Eventually;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Engine.Tests.Workflows;

public sealed class WorkflowLifecycleTests
{
    [Fact]
    public async Task Workflow_ActivitySignalQueryUpdateTimer_RunsToCompletionWithTimeSkipping()
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        var acts = new CountingActivities();
        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<GreetingWorkflow>().AddAllActivities(acts));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync(new GreetingInput("Ada", 30)), new WorkflowOptions("greet/1", "q"));
            await EventuallyAsync(async () => await handle.QueryAsync(wf => wf.Status) == "waiting for approvals");

            var rejected = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.SetLimitAsync(0)));
            rejected.Rejected.ShouldBeTrue();
            rejected.Message.ShouldBe("Update 'SetLimit' was rejected: limit must be at least 1, got 0");
            (await handle.ExecuteUpdateAsync(wf => wf.SetLimitAsync(2))).ShouldBe(1);

            await handle.SignalAsync(wf => wf.ApproveAsync("alice"));
            await handle.SignalAsync(wf => wf.ApproveAsync("bob"));
            var result = await handle.GetResultAsync();

            result.ShouldBe("Hello, Ada (approved by alice, bob at 00:30)");
            (await handle.QueryAsync(wf => wf.Approvals())).ShouldBe(["alice", "bob"]);
            acts.GreetCalls.ShouldBe(1);

            var history = await handle.FetchHistoryAsync();
            var types = history.Events.Select(e => e.EventType).ToList();
            types.ShouldContain(EventType.ActivityTaskCompleted);
            types.ShouldContain(EventType.TimerFired);
            types.Count(t => t == EventType.WorkflowExecutionSignaled).ShouldBe(2);
            history.Events.Count(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).ShouldBe(1, "the rejected update leaves no trace");
            history.Events.Single(e => e.EventType == EventType.WorkflowExecutionUpdateCompleted).Payload.ShouldBe("1");
            types[^1].ShouldBe(EventType.WorkflowExecutionCompleted);
            new WorkflowReplayer().AddWorkflow<GreetingWorkflow>().ReplayWorkflow(history);
        });
    }
}
