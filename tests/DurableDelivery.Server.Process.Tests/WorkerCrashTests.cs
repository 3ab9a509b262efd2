using DurableDelivery.Server.Process.Tests.Support;
using DurableDelivery.Server.ProcessWorker;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace DurableDelivery.Server.Process.Tests;

/// <summary>
/// A worker process (DurableDelivery.Server.ProcessWorker) SIGKILLed while it holds an activity or a workflow task;
/// the server (also a child process) times the task out and a worker in this process finishes the workflow.
/// </summary>
public sealed class WorkerCrashTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly StepWorkflowInput Input = new(Steps: 3, ActivityMillis: 20, TimerMillis: 20,
        ActivityTimeoutMillis: 2000);

    private readonly string directory = Directory.CreateTempSubdirectory("dd-worker-crash-").FullName;
    private readonly string queue = $"worker-crash-{Guid.NewGuid():N}";
    private ServerProcess server = null!;
    private TemporalClient client = null!;

    public async Task InitializeAsync()
    {
        server = await ServerProcess.StartAsync(ServerProcess.FreePort(), Path.Combine(directory, "server.db"));
        client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Target));
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task WorkerKilledWhileRunningAnActivity_AnotherWorkerRunsTheNextAttemptAndFinishes()
    {
        var id = $"activity-{queue}";
        await using var doomed = await WorkerProcess.StartAsync(server.Target, queue, "block-activity", "step-1");
        var handle = await StartAsync(id);
        await doomed.WaitForLineAsync(l => l == $"activity-blocked {id} step-1 1", Deadline, "step-1 blocked");
        doomed.Kill();
        await doomed.WaitForExitAsync(Deadline);

        var ledger = new StepLedger();
        var result = await RunSurvivorAsync(ledger, handle);

        result.Steps.ShouldBe(["step-0@1", "step-1@2", "step-2@1"]);
        WorkerProcess.ActivityStarts(doomed).ShouldBe([$"{id}/step-0@1", $"{id}/step-1@1"]);
        ledger.Executions.Select(e => $"{e.Execution.ActivityId}@{e.Execution.Attempt}")
            .ShouldBe(["step-1@2", "step-2@1"], "step-0 completed in the killed worker and must not run again");
        var history = await handle.FetchHistoryAsync();
        Histories.ShouldBeContiguous(history);
        Histories.OfType(history, EventType.ActivityTaskStarted)
            .Select(e => e.ActivityTaskStartedEventAttributes.Attempt).ShouldBe([1, 2, 1]);
        await Histories.ShouldReplayAsync(history);
    }

    [Fact]
    public async Task WorkerKilledWhileHoldingAWorkflowTask_TaskTimesOutAndAnotherWorkerFinishes()
    {
        var id = $"workflow-task-{queue}";
        await using var doomed = await WorkerProcess.StartAsync(server.Target, queue, "block-after-step", "0");
        var handle = await StartAsync(id);
        await doomed.WaitForLineAsync(l => l == $"workflow-task-blocked {id} 0", Deadline, "the task after step 0");
        doomed.Kill();
        await doomed.WaitForExitAsync(Deadline);

        var ledger = new StepLedger();
        var result = await RunSurvivorAsync(ledger, handle);

        result.Steps.ShouldBe(["step-0@1", "step-1@1", "step-2@1"]);
        WorkerProcess.ActivityStarts(doomed).ShouldBe([$"{id}/step-0@1"]);
        ledger.Executions.Select(e => $"{e.Execution.ActivityId}@{e.Execution.Attempt}")
            .ShouldBe(["step-1@1", "step-2@1"], "step-0 completed in the killed worker and must not run again");
        var history = await handle.FetchHistoryAsync();
        Histories.ShouldBeContiguous(history);
        var timedOut = Histories.OfType(history, EventType.WorkflowTaskTimedOut).ShouldHaveSingleItem();
        timedOut.WorkflowTaskTimedOutEventAttributes.TimeoutType.ShouldBe(TimeoutType.StartToClose);
        var started = history.Events.Single(
            e => e.EventId == timedOut.WorkflowTaskTimedOutEventAttributes.StartedEventId);
        started.WorkflowTaskStartedEventAttributes.Identity.ShouldStartWith($"{doomed.Pid}@");
        await Histories.ShouldReplayAsync(history);
    }

    private Task<WorkflowHandle<StepWorkflow, StepWorkflowResult>> StartAsync(string id) =>
        client.StartWorkflowAsync((StepWorkflow wf) => wf.RunAsync(Input),
            new WorkflowOptions(id, queue) { TaskTimeout = TimeSpan.FromSeconds(2) });

    /// <summary>A worker in this process takes over; Finish is signalled; returns the result.</summary>
    private async Task<StepWorkflowResult> RunSurvivorAsync(
        StepLedger ledger, WorkflowHandle<StepWorkflow, StepWorkflowResult> handle)
    {
        using var survivor = new TemporalWorker(client, new TemporalWorkerOptions(queue)
            .AddWorkflow<StepWorkflow>().AddAllActivities(ledger.Activities));
        return await survivor.ExecuteAsync(async () =>
        {
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync().WaitAsync(Deadline);
        });
    }
}
