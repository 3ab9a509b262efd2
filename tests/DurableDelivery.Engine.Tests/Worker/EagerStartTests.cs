using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Testing;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Engine.Tests.Worker;

/// <summary>Eager workflow start: the start's commit assigns the run to a worker of the starting process.</summary>
public sealed class EagerStartTests
{
    [Fact]
    public async Task EagerStart_RunsOnTheLocalWorker_AndFallsBackToANormalStartWithoutOne()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var acts = new CountingActivities();
        var worker = env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<ThreeGreetingsWorkflow>().AddAllActivities(acts));
        await worker.ExecuteAsync(async () =>
        {
            var eager = await env.Client.StartWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync("e"), new WorkflowOptions("eager/1", "q") { RequestEagerStart = true });
            (await eager.GetResultAsync()).ShouldBe("Hello, e1|Hello, e2|Hello, e3");
            (await eager.DescribeAsync()).Owner.ShouldBe(worker.WorkerId);

            // A task queue no worker here serves: a normal start, picked up by whoever serves it.
            var other = await env.Client.StartWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync("o"), new WorkflowOptions("eager/2", "elsewhere") { RequestEagerStart = true });
            var run = await ((SqliteWorkflowStore)env.Client.Store).GetRunAsync("eager/2", null, CancellationToken.None);
            (run!.Owner, run.ReadyAt is not null).ShouldBe((null, true), "not assigned to a worker that does not serve its task queue");
            await other.TerminateAsync("test over");
        });
    }

    [Fact]
    public async Task EagerStart_ForAWorkerThatIsNotRegistered_LeavesTheRunReadyForAnyone()
    {
        // A worker that unregistered between the client's choice and the start's commit would never be reaped.
        await using var env = await WorkflowEnvironment.StartLocalAsync();
        var store = (SqliteWorkflowStore)env.Client.Store;
        await store.StartWorkflowAsync(
            new StartWorkflowRequest
            {
                WorkflowId = "eager/gone", RunId = Guid.NewGuid().ToString(), WorkflowType = WorkflowDefinition.NameOf(typeof(ThreeGreetingsWorkflow)), TaskQueue = "q", ArgsJson = "[\"g\"]",
                EagerWorkerId = "unregistered-1",
            },
            CancellationToken.None);
        var run = await store.GetRunAsync("eager/gone", null, CancellationToken.None);
        (run!.Owner, run.ReadyAt is not null).ShouldBe((null, true));
    }

    [Fact]
    public async Task EagerlyStartedRun_OfAWorkerThatDiedBeforeItsFirstTask_IsTakenOverByTheNextWorker()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync();

        // A worker in "another process" (its own store connection and lock file) gets an eager start, then dies before it
        // runs the first task: its store is closed without unregistering, as SIGKILL would leave it.
        var dead = DurableClient.Open(env.DataDirectory, create: false);
        var deadStore = (SqliteWorkflowStore)dead.Store;
        await deadStore.RegisterWorkerAsync("ghost-1", CancellationToken.None);
        await deadStore.StartWorkflowAsync(
            new StartWorkflowRequest
            {
                WorkflowId = "eager/orphan", RunId = Guid.NewGuid().ToString(), WorkflowType = WorkflowDefinition.NameOf(typeof(ThreeGreetingsWorkflow)), TaskQueue = "q", ArgsJson = "[\"x\"]",
                EagerWorkerId = "ghost-1",
            },
            CancellationToken.None);
        await dead.DisposeAsync();
        var orphan = await ((SqliteWorkflowStore)env.Client.Store).GetRunAsync("eager/orphan", null, CancellationToken.None);
        (orphan!.Owner, orphan.ReadyAt).ShouldBe(("ghost-1", null), "assigned to the dead worker and not ready: only reaping can free it");

        var acts = new CountingActivities();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await env.CreateWorker(new DurableWorkerOptions("q").AddWorkflow<ThreeGreetingsWorkflow>().AddAllActivities(acts)).ExecuteAsync(async () =>
            (await env.Client.GetWorkflowHandle("eager/orphan").GetResultJsonAsync(limit.Token)).ShouldBe("\"Hello, x1|Hello, x2|Hello, x3\""));
        acts.GreetCalls.ShouldBe(3);
    }
}
