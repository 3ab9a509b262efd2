using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Engine.Tests.Workflows;

/// <summary>An update's validator sees every signal that reached the run before the update did, even in one workflow task.</summary>
public sealed class UpdateOrderTests
{
    [Fact]
    public async Task Validator_SeesTheSignalSentBeforeTheUpdate_WhenBothWaitInTheInbox()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var handle = await env.Client.StartWorkflowAsync((TallyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("order/1", "q"));

        // No worker yet: the start, the signal and the update all wait in the run's inbox, in that order.
        await handle.SignalAsync(wf => wf.AllowNegativeAsync());
        var update = handle.ExecuteUpdateAsync(wf => wf.AddAsync(-3), new WorkflowUpdateOptions { UpdateId = "minus-3" });
        await DurableDelivery.Tests.Shared.Eventually.EventuallyAsync(() => HasInboxUpdateAsync(env), TimeSpan.FromSeconds(10), "the update is in the inbox");

        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<TallyWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            (await update).ShouldBe(-3, "the validator ran after the signal that allows negative amounts was applied");
            await handle.SignalAsync(wf => wf.StopAsync());
            (await handle.GetResultAsync()).ShouldBe(-3);
        });

        var events = (await handle.FetchHistoryAsync()).Events;
        var signaled = events.First(e => e.EventType == EventType.WorkflowExecutionSignaled && e.Name == "AllowNegative").EventId;
        var accepted = events.Single(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).EventId;
        accepted.ShouldBeGreaterThan(signaled, "recorded in the order they arrived");
    }

    private static async Task<bool> HasInboxUpdateAsync(WorkflowEnvironment env) =>
        await ((DurableDelivery.Engine.Storage.Sqlite.SqliteWorkflowStore)env.Client.Store).GetUpdateAsync("minus-3", CancellationToken.None) is not null;
}
