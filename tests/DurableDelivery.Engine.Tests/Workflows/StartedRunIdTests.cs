using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Workflows;

/// <summary>
/// Runs a workflow starts itself (a child, the next run on continue-as-new) get time-ordered run ids (UUID version 7)
/// stamped with the workflow's time and made from its random source, so replay makes the same ones; a history recorded
/// before, with a random child run id, keeps that id on replay.
/// </summary>
public sealed class StartedRunIdTests
{
    [Fact]
    public async Task ChildAndContinuedRuns_GetVersion7Ids_OfTheWorkflowsTime_ThatReplayReproduces()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        await env.CreateWorker(Options()).ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ChildRunIdParentWorkflow wf) => wf.RunAsync(true), new WorkflowOptions("ids/1", "q"));
            var firstRun = handle.RunId!;
            var secondChildRunId = await env.Client.GetWorkflowHandle<ChildRunIdParentWorkflow>("ids/1").GetResultAsync<string>();

            var first = await env.Client.GetWorkflowHandle("ids/1", firstRun).FetchHistoryAsync();
            var childStart = first.Events.Single(e => e.EventType == EventType.StartChildWorkflowExecutionInitiated);
            var continued = first.Events.Single(e => e.EventType == EventType.WorkflowExecutionContinuedAsNew);
            foreach (var e in new[] { childStart, continued })
            {
                ShouldBeVersion7Of(e.RunId!, e.Timestamp);
            }

            // The ids name the runs that exist.
            (await env.Client.GetWorkflowHandle(childStart.WorkflowId!).DescribeAsync()).RunId.ShouldBe(childStart.RunId);
            (await env.Client.GetWorkflowHandle("ids/1").DescribeAsync()).RunId.ShouldBe(continued.RunId);
            var second = await env.Client.GetWorkflowHandle("ids/1").FetchHistoryAsync();
            var secondChild = second.Events.Single(e => e.EventType == EventType.StartChildWorkflowExecutionInitiated);
            ShouldBeVersion7Of(secondChild.RunId!, secondChild.Timestamp);
            secondChildRunId.ShouldBe(secondChild.RunId, "the child handle's FirstExecutionRunId");

            var replayer = new WorkflowReplayer().AddWorkflow<ChildRunIdParentWorkflow>();
            replayer.ReplayWorkflow(first);
            replayer.ReplayWorkflow(second);
        });
    }

    [Fact]
    public async Task AHistoryWithARandomChildRunId_ReplaysWithThatId()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var store = (SqliteWorkflowStore)env.Client.Store;
        string made = string.Empty, runId = string.Empty;
        await env.CreateWorker(Options()).ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((ChildRunIdParentWorkflow wf) => wf.RunAsync(false), new WorkflowOptions("ids/2", "q"));
            runId = handle.RunId!;
            made = await handle.GetResultAsync<string>();
        });

        // As if written by an earlier build: the parent's history names the child's run with a random (version 4) id.
        var recorded = Guid.NewGuid().ToString();
        var changed = await store.Writer.WriteAsync(ctx => ctx.Sql.Exec("UPDATE events SET data = replace(data, $made, $old) WHERE run_id = $r", ("$made", made), ("$old", recorded), ("$r", runId)));
        changed.ShouldBeGreaterThanOrEqualTo(2, "every event that names the child's run: its start, its outcome, the parent's result");

        // A fresh worker (nothing cached) answers the query on the closed run by replaying that history.
        await env.CreateWorker(Options()).ExecuteAsync(async () =>
            (await env.Client.GetWorkflowHandle<ChildRunIdParentWorkflow>("ids/2", runId).QueryAsync(wf => wf.ChildRunId)).ShouldBe(recorded));
    }

    private static DurableWorkerOptions Options() => new DurableWorkerOptions("q").AddWorkflow<ChildRunIdParentWorkflow>().AddWorkflow<ChildRunIdLeafWorkflow>();

    private static void ShouldBeVersion7Of(string runId, DateTimeOffset time)
    {
        var id = Guid.Parse(runId);
        id.Version.ShouldBe(7, runId);
        var bytes = id.ToByteArray(bigEndian: true);
        var ms = 0L;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }

        ms.ShouldBe(time.ToUnixTimeMilliseconds(), $"{runId} carries the workflow's time");
    }
}

/// <summary>Starts a child and reports its run id; continues as new once when asked.</summary>
[Workflow]
public sealed class ChildRunIdParentWorkflow
{
    [WorkflowQuery]
    public string ChildRunId { get; private set; } = string.Empty;

    [WorkflowRun]
    public async Task<string> RunAsync(bool continueOnce)
    {
        var child = await Workflow.StartChildWorkflowAsync((ChildRunIdLeafWorkflow wf) => wf.RunAsync(), new ChildWorkflowOptions { Id = $"{Workflow.Info.WorkflowId}/leaf-{(continueOnce ? 1 : 2)}" });
        ChildRunId = child.FirstExecutionRunId;
        await child.GetResultAsync();
        if (continueOnce)
        {
            throw Workflow.CreateContinueAsNewException((ChildRunIdParentWorkflow wf) => wf.RunAsync(false));
        }

        return ChildRunId;
    }
}

/// <summary>A child that only completes.</summary>
[Workflow]
public sealed class ChildRunIdLeafWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => Task.CompletedTask;
}
