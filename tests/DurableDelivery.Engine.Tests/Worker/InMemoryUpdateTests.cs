using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Engine.Tests.Worker;

/// <summary>
/// An update from a client of the process whose worker holds the run's live instance is admitted in memory, as Temporal's
/// server admits updates: the run's next workflow task validates it and records it, accepted, in its own commit. The store
/// sees one write instead of three (inbox, claim, task), a rejection writes nothing, and the history is the same as when
/// the update comes through the store.
/// </summary>
public sealed class InMemoryUpdateTests
{
    private const int Updates = 10;

    [Fact]
    public async Task Update_OfARunThisProcessHolds_IsOneWrite_ThroughTheStoreItIsThree_AndTheHistoriesAgree()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var store = (SqliteWorkflowStore)env.Client.Store;
        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<TallyWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((TallyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("tally/in-memory", "q"));
            (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(0))).ShouldBe(0, "warm-up");
            await EventuallyAsync(() => worker.CachedWorkflows == 1, TimeSpan.FromSeconds(10), "the run's instance is cached once its first task has committed");

            var ops0 = store.Writer.Operations;
            for (var i = 1; i <= Updates; i++)
            {
                (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(1), new WorkflowUpdateOptions { UpdateId = $"local-{i}" })).ShouldBe(i);
            }

            var local = (double)(store.Writer.Operations - ops0) / Updates;

            // Another client (as another process would be) has no worker: its updates go through the store's inbox.
            await using var other = DurableClient.Open(env.DataDirectory, create: false);
            var remote = other.GetWorkflowHandle<TallyWorkflow>("tally/in-memory");
            var otherStore = (SqliteWorkflowStore)other.Store;
            var ops1 = store.Writer.Operations + otherStore.Writer.Operations;
            for (var i = 1; i <= Updates; i++)
            {
                (await remote.ExecuteUpdateAsync(wf => wf.AddAsync(1), new WorkflowUpdateOptions { UpdateId = $"remote-{i}" })).ShouldBe(Updates + i);
            }

            var throughStore = (double)(store.Writer.Operations + otherStore.Writer.Operations - ops1) / Updates;
            local.ShouldBeLessThanOrEqualTo(1.3, "one workflow-task commit per update (polling writes may add a few)");
            throughStore.ShouldBeGreaterThanOrEqualTo(2.9, "submit (by the other client's store), claim and the workflow task");

            // Both ways record the same events: the update accepted (with its id, name, argument and sender), then completed.
            var events = (await handle.FetchHistoryAsync()).Events;
            events.Count(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted).ShouldBe((2 * Updates) + 1);
            foreach (var id in new[] { "local-3", "remote-3" })
            {
                var accepted = events.Single(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted && e.RequestId == id);
                (accepted.Name, accepted.Payload, accepted.Identity).ShouldBe(("Add", "[1]", (id == "local-3" ? env.Client : other).Options.Identity));
                events.Count(e => e.EventType == EventType.WorkflowExecutionUpdateCompleted && e.RequestId == id).ShouldBe(1);
                (await env.Client.GetWorkflowHandle("tally/in-memory").ExecuteUpdateJsonAsync("Add", "[1]", new WorkflowUpdateOptions { UpdateId = id }))
                    .ShouldBe(id == "local-3" ? "3" : (Updates + 3).ToString(System.Globalization.CultureInfo.InvariantCulture), "a retried id gets the first call's result");
            }

            await handle.SignalAsync(wf => wf.StopAsync());
            (await handle.GetResultAsync()).ShouldBe(2 * Updates, "the retried ids ran once");
        });
    }

    [Fact]
    public async Task RejectedUpdate_AdmittedInMemory_WritesNothing_AndTheRunGoesOn()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var store = (SqliteWorkflowStore)env.Client.Store;
        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<TallyWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((TallyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("tally/refused", "q"));
            (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(4))).ShouldBe(4);
            await EventuallyAsync(() => worker.CachedWorkflows == 1, TimeSpan.FromSeconds(10), "the run's instance is cached once its first task has committed");
            var before = (await handle.DescribeAsync()).HistoryLength;
            var commits0 = store.Writer.Commits;

            var error = await Should.ThrowAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.AddAsync(-1), new WorkflowUpdateOptions { UpdateId = "minus" }));
            error.Rejected.ShouldBeTrue();
            error.Failure.Message.ShouldContain("amount must not be negative, got -1");

            (await store.GetUpdateAsync("minus", CancellationToken.None)).ShouldBeNull("a rejected update leaves no record");
            (await handle.DescribeAsync()).HistoryLength.ShouldBe(before, "and no event");
            (store.Writer.Commits - commits0).ShouldBeLessThanOrEqualTo(1, "at most a poll's write, never the update's");

            // The id was never used, so it can carry an accepted update now; the run still works.
            (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(1), new WorkflowUpdateOptions { UpdateId = "minus" })).ShouldBe(5);
            await handle.SignalAsync(wf => wf.StopAsync());
            (await handle.GetResultAsync()).ShouldBe(5);
        });
    }

    [Fact]
    public async Task CallerGivingUp_EitherWithdrawsTheUpdate_OrItWasApplied_NeverBothNorNeither()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        await env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<TallyWorkflow>()).ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((TallyWorkflow wf) => wf.RunAsync(), new WorkflowOptions("tally/give-up", "q"));
            (await handle.ExecuteUpdateAsync(wf => wf.AddAsync(0))).ShouldBe(0);
            var expected = 0;
            var withdrawnCount = 0;
            for (var i = 0; i < 20; i++)
            {
                // Canceled before the call: the update may be withdrawn before the run's task takes it, or be taken first.
                using var gaveUp = new CancellationTokenSource();
                await gaveUp.CancelAsync();
                var id = $"give-up-{i}";
                await Should.ThrowAsync<OperationCanceledException>(() => handle.ExecuteUpdateJsonAsync("Add", "[1]", new WorkflowUpdateOptions { UpdateId = id }, gaveUp.Token));
                var withdrawn = await handle.TryWithdrawUpdateAsync(id);
                var record = await ((SqliteWorkflowStore)env.Client.Store).GetUpdateAsync(id, CancellationToken.None);
                if (withdrawn)
                {
                    withdrawnCount++;
                    record.ShouldBeNull($"{id} was withdrawn: nothing of it may be in the store");
                }
                else
                {
                    expected++;
                    record.ShouldNotBeNull($"{id} was not withdrawn, so a worker took it and it is recorded");
                    await EventuallyAsync(async () => (await ((SqliteWorkflowStore)env.Client.Store).GetUpdateAsync(id, CancellationToken.None))!.State == DurableDelivery.Engine.Storage.UpdateState.Completed);
                }

                (await handle.TryWithdrawUpdateAsync(id)).ShouldBeFalse("nothing left to withdraw");
            }

            await handle.SignalAsync(wf => wf.StopAsync());
            (await handle.GetResultAsync()).ShouldBe(expected, $"exactly the {expected} updates not withdrawn were applied ({withdrawnCount} withdrawn)");
        });
    }
}
