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
}
