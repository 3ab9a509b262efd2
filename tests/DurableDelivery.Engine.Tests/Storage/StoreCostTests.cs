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
}
