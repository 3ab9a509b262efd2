using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;

namespace DurableDelivery.Server.Conformance.Tests;

public class EagerActivityTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EagerActivities_StartInTheCompletionResponse_OnlyWhenTheWorkerAsks(bool disableEager)
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("eager");
        using var worker = env.NewWorker(queue, o =>
        {
            o.DisableEagerActivityExecution = disableEager;
            o.AddWorkflow<GreetingWorkflow>().AddAllActivities(typeof(BasicActivities), null);
        });
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (GreetingWorkflow wf) => wf.RunAsync("eager"), new(id: $"wf-{queue}", taskQueue: queue));
            await handle.ExecuteUpdateAsync(wf => wf.FinishAsync("done"));
            (await handle.GetResultAsync()).ShouldStartWith("Hello, eager!");
            await Replay.AssertReplaysAsync(handle, typeof(GreetingWorkflow));
        });

        if (disableEager)
        {
            env.Server.EagerActivityStarts.ShouldBe(0);
        }
        else
        {
            env.Server.EagerActivityStarts.ShouldBe(1);
        }
    }
}
