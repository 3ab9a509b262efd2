using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Engine.Tests.Support;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Engine.Tests.Worker;

/// <summary>
/// A worker answers a query from the run's live (cached) instance when that instance holds the committed state, as
/// Temporal's workers do, instead of replaying the whole history into a new instance for every query.
/// </summary>
public sealed class CachedQueryTests
{
    [Fact]
    public async Task Query_OfAnIdleCachedRun_IsAnsweredWithoutReplay_AndSeesEveryCommittedChange()
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync();
        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<TallyWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((TallyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("tally/1", "q"));
            await EventuallyAsync(async () => await handle.QueryAsync(wf => wf.Total) == 0);
            var instances = TallyWorkflow.InstancesOf("tally/1");

            for (var i = 0; i < 5; i++)
            {
                (await handle.QueryAsync(wf => wf.Total)).ShouldBe(0);
            }

            TallyWorkflow.InstancesOf("tally/1").ShouldBe(instances, "queries of an idle run read its cached instance: no replay into new ones");

            // Committed changes: a query while the run's task is in flight is answered by replay; once the run is idle
            // again, its cached instance answers with every change, still without new instances.
            (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(5))).ShouldBe(5);
            await handle.SignalAsync(wf => wf.AddLaterAsync(2));
            await EventuallyAsync(async () => await handle.QueryAsync(wf => wf.Total) == 7);
            var afterChanges = TallyWorkflow.InstancesOf("tally/1");
            for (var i = 0; i < 5; i++)
            {
                (await handle.QueryAsync(wf => wf.Total)).ShouldBe(7);
            }

            TallyWorkflow.InstancesOf("tally/1").ShouldBe(afterChanges);

            // An unknown query fails as before (the replay path reports it).
            var error = await Should.ThrowAsync<ArgumentException>(() => handle.QueryAsync<int>("nope", []));
            error.Message.ShouldContain("has no query 'nope'");

            await handle.SignalAsync(wf => wf.StopAsync());
            (await handle.GetResultAsync()).ShouldBe(7);
        });
    }
}
