using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Workflows;

/// <summary>An update no worker took can be withdrawn: it is never applied and leaves no trace; a taken one cannot.</summary>
public sealed class UpdateWithdrawTests
{
    [Fact]
    public async Task TryWithdrawUpdate_BeforeAnyWorkerTookIt_IsNeverApplied_AndATakenOneCannotBeWithdrawn()
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        var handle = await env.Client.StartWorkflowAsync((TallyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("withdraw/1", "q"));

        // The caller gives up at once (no worker runs): the update stays requested in the store until withdrawn.
        using (var gaveUp = new CancellationTokenSource())
        {
            await gaveUp.CancelAsync();
            await Should.ThrowAsync<OperationCanceledException>(() =>
                handle.ExecuteUpdateJsonAsync("Add", "[100]", new WorkflowUpdateOptions { UpdateId = "late" }, gaveUp.Token));
        }

        (await handle.TryWithdrawUpdateAsync("late")).ShouldBeTrue();
        (await handle.TryWithdrawUpdateAsync("late")).ShouldBeFalse("already withdrawn");

        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<TallyWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(2), new WorkflowUpdateOptions { UpdateId = "now" })).ShouldBe(2, "the withdrawn 100 was never added");
            (await handle.TryWithdrawUpdateAsync("now")).ShouldBeFalse("a completed update cannot be withdrawn");
            await handle.SignalAsync(wf => wf.StopAsync());
            (await handle.GetResultAsync()).ShouldBe(2);
        });

        var history = await handle.FetchHistoryAsync();
        history.Events.Where(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).Select(e => e.RequestId).ShouldBe(["now"]);
    }
}
