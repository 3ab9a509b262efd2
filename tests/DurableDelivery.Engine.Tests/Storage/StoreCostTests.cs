using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// What one workflow costs the store, counted (not timed, so it does not depend on the machine's load): the guard for the
/// engine's performance work, whose figures are in docs/benchmarks.md.
/// </summary>
public sealed class StoreCostTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, 6.0)]
    [InlineData(true, 5.0)]
    public async Task ThreeActivityWorkflows_OneAtATime_SixWriteOperationsEach_FiveWithEagerStart(bool eagerStart, double limit)
    {
        const int Workflows = 20;
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var acts = new CountingActivities();
        var store = (SqliteWorkflowStore)env.Client.Store;
        await env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<ThreeGreetingsWorkflow>().AddAllActivities(acts)).ExecuteAsync(async () =>
        {
            // One workflow first: registration and JIT are not part of the cost.
            await env.Client.ExecuteWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync("warm-up"), new WorkflowOptions("cost/warm-up", "q"));
            var (ops0, commits0, writes0, reads0) = (store.Writer.Operations, store.Writer.Commits, store.Writer.Statements.Count, store.ReadStatements.Count);
            for (var i = 0; i < Workflows; i++)
            {
                (await env.Client.ExecuteWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync($"n{i}"), new WorkflowOptions($"cost/{i}", "q") { RequestEagerStart = eagerStart })).ShouldBe($"Hello, n{i}1|Hello, n{i}2|Hello, n{i}3");
            }

            var ops = (double)(store.Writer.Operations - ops0) / Workflows;
            var commits = (double)(store.Writer.Commits - commits0) / Workflows;
            var writes = (double)(store.Writer.Statements.Count - writes0) / Workflows;
            var reads = (double)(store.ReadStatements.Count - reads0) / Workflows;
            output.WriteLine($"per 3-activity workflow, one at a time{(eagerStart ? ", eager start" : string.Empty)}: {ops:0.00} write operations, {commits:0.00} commits, {writes:0.0} writer statements, {reads:0.0} reader statements (polling included)");

            // Start, claim, and one workflow-task commit per step: each activity's outcome is recorded by the next task. An eager
            // start needs no claim: the start's commit assigns the run to the worker.
            ops.ShouldBeLessThanOrEqualTo(limit);
            acts.GreetCalls.ShouldBe(3 * (Workflows + 1));
        });
    }

    [Fact]
    public async Task RunIds_AreTimeOrderedUuids_SoWorkflowsInFlightTogetherShareWalPages()
    {
        // Time-ordered run ids keep the rows of runs in flight together next to each other in every index keyed by run id:
        // a commit of many workflows' steps writes a few shared pages instead of a page per workflow per table. Counted in
        // pages written to the WAL (not timed), against the same workload with random (version 4) run ids.
        var ordered = await WalPagesPerWorkflowAsync(randomRunIds: false);
        var random = await WalPagesPerWorkflowAsync(randomRunIds: true);
        output.WriteLine($"WAL pages per 3-activity workflow, 50 in flight: {ordered.Pages:0.0} with time-ordered run ids, {random.Pages:0.0} with random ones ({ordered.OpsPerCommit:0.0} and {random.OpsPerCommit:0.0} operations per commit)");

        ordered.Pages.ShouldBeLessThan(0.6 * random.Pages);
        ordered.RunIds.ShouldAllBe(id => Guid.Parse(id).Version == 7);
        ordered.RunIds.ShouldBe([.. ordered.RunIds.Order(StringComparer.Ordinal)], "run ids started one after another sort in start order");
        random.RunIds.ShouldAllBe(id => Guid.Parse(id).Version == 4);
    }

    private static async Task<(double Pages, double OpsPerCommit, List<string> RunIds)> WalPagesPerWorkflowAsync(bool randomRunIds)
    {
        const int InFlight = 50, Rounds = 12;
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        env.Client.RandomRunIds = randomRunIds;
        var store = (SqliteWorkflowStore)env.Client.Store;
        var runIds = new List<string>();
        double pagesPerWorkflow = 0, opsPerCommit = 0;
        await env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<ThreeGreetingsWorkflow>().AddAllActivities(new CountingActivities())).ExecuteAsync(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                var h = await env.Client.StartWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync("seq"), new WorkflowOptions($"seq/{i}", "q"));
                runIds.Add(h.RunId!);
                await h.GetResultAsync();
            }

            var (pages0, ops0, commits0) = (store.Writer.PagesWritten, store.Writer.Operations, store.Writer.Commits);
            await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async loop =>
            {
                for (var round = 0; round < Rounds; round++)
                {
                    (await env.Client.ExecuteWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions($"load/{loop}/{round}", "q"))).ShouldBe("Hello, x1|Hello, x2|Hello, x3");
                }
            }));
            pagesPerWorkflow = (double)(store.Writer.PagesWritten - pages0) / (InFlight * Rounds);
            opsPerCommit = (double)(store.Writer.Operations - ops0) / Math.Max(1, store.Writer.Commits - commits0);
        });
        return (pagesPerWorkflow, opsPerCommit, runIds);
    }
}
