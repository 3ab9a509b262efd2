using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class BasicWorkflowTests
{
    [ConformanceFact]
    public async Task Workflow_ActivityTimerSignalQueryUpdate_CompletesWithResult()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("basic");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<GreetingWorkflow>()
            .AddAllActivities(typeof(BasicActivities), null));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (GreetingWorkflow wf) => wf.RunAsync("Temporal"), new(id: $"wf-{queue}", taskQueue: queue));
            await handle.SignalAsync(wf => wf.AddAsync("a"));
            await handle.SignalAsync(wf => wf.AddAsync("b"));
            await Eventually.EventuallyAsync(async () => (await handle.QueryAsync(wf => wf.Signals)).Count == 2,
                TimeSpan.FromSeconds(20), "both signals seen by a query");
            var rejected = await Should.ThrowAsync<WorkflowUpdateFailedException>(
                () => handle.ExecuteUpdateAsync(wf => wf.FinishAsync("")));
            var count = await handle.ExecuteUpdateAsync(wf => wf.FinishAsync("enough"));
            count.ShouldBe(2);
            var result = await handle.GetResultAsync();
            result.ShouldBe("Hello, Temporal! signals=a,b");
            rejected.InnerException!.Message.ShouldContain("a reason is required");
            await Replay.AssertReplaysAsync(handle, typeof(GreetingWorkflow));
        });
    }
}
