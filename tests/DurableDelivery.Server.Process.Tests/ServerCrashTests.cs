using System.Diagnostics;
using DurableDelivery.Server.Process.Tests.Support;
using DurableDelivery.Server.ProcessWorker;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Xunit.Abstractions;

namespace DurableDelivery.Server.Process.Tests;

/// <summary>
/// dd-temporal-server as a child process on a SQLite file, SIGKILLed while a real Temporalio worker (in this process)
/// runs workflows of activities and timers and a client keeps starting, signalling and updating; then restarted on
/// the same file and port.
/// </summary>
public sealed class ServerCrashTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly StepWorkflowInput Initial = new(Steps: 5, ActivityMillis: 100, TimerMillis: 200,
        ActivityTimeoutMillis: 4000);
    private static readonly StepWorkflowInput Extra = Initial with { Steps = 3 };
    private readonly string directory = Directory.CreateTempSubdirectory("dd-server-crash-").FullName;

    /// <summary>
    /// Four workflows of five steps run on a worker in this process while the client starts more, signals and updates
    /// without pause; the server is SIGKILLed once a third step began, and restarted on the same file and port.
    /// </summary>
    [Fact]
    public Task ServerKilledMidRun_RestartedOnSameFileAndPort_NothingAcknowledgedIsLostAndWorkflowsFinish() =>
        KilledMidRunAsync().WaitAsync(TimeSpan.FromMinutes(2));

    private async Task KilledMidRunAsync()
    {
        var port = ServerProcess.FreePort();
        var db = Path.Combine(directory, "server.db");
        var queue = $"crash-{Guid.NewGuid():N}";
        var ledger = new StepLedger();
        var journal = new CallJournal();
        var watch = Stopwatch.StartNew();
        void Log(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds:0.00}s {what}");
        await using var first = await ServerProcess.StartAsync(port, db);
        Log("server started");
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(first.Target));
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
            .AddWorkflow<StepWorkflow>().AddAllActivities(ledger.Activities));
        using var stopWorker = new CancellationTokenSource();
        var workerRun = worker.ExecuteAsync(stopWorker.Token);
        for (var i = 0; i < 4; i++)
        {
            (await StartAsync(client, journal, queue, $"wf-{i}-{queue}", Initial, CancellationToken.None))
                .ShouldBeTrue(journal.Calls.LastOrDefault()?.Error);
        }

        Log("started 4");
        using var stopDriver = new CancellationTokenSource();
        var driver = Task.WhenAll(
            StartLoopAsync(client, journal, queue, stopDriver.Token),
            SignalLoopAsync(client, journal, stopDriver.Token),
            UpdateLoopAsync(client, journal, stopDriver.Token));

        // Mid-run: some steps done, most to come. A step's activity begins only after the workflow task that saw the
        // previous step's completion, so every step before the last one begun had its completion recorded by the
        // server: those must never run again.
        await Eventually.HoldsAsync(() => ledger.Executions.Any(e => e.Execution.ActivityId == "step-2"), Deadline,
            () => $"a third step begun; {ledger.Executions.Count} activities; {Describe(journal)}");
        await first.KillAsync();

        // Everything begun so far was handed out by the first server (nothing can be until the second one runs).
        var beforeRestart = Stopwatch.GetTimestamp();
        var executionsBeforeRestart = ledger.Executions;
        var completedBeforeKill = executionsBeforeRestart.GroupBy(e => e.Execution.WorkflowId).ToDictionary(
            g => g.Key,
            g => Enumerable.Range(0, g.Max(e => StepOf(e.Execution.ActivityId))).Select(i => $"step-{i}").ToHashSet());
        Log($"killed after {executionsBeforeRestart.Count} activities; {Describe(journal)}");

        await using var second = await ServerProcess.StartAsync(port, db);
        var restartedAt = Stopwatch.GetTimestamp();
        Log("restarted");
        await Eventually.HoldsAsync(
            () => journal.AcknowledgedAfter(CallKind.Signal, restartedAt) >= 3
                && journal.AcknowledgedAfter(CallKind.Update, restartedAt) >= 2
                && journal.AcknowledgedAfter(CallKind.Start, restartedAt) >= 1,
            Deadline, () => "calls acknowledged after the restart: " + Describe(journal));
        await stopDriver.CancelAsync();
        Log("driver cancelled " + Describe(journal));
        await driver;
        Log("driver stopped");
        workerRun.IsCompleted.ShouldBeFalse($"the worker must ride through the crash: {workerRun.Exception}");

        var results = await FinishAllAsync(client, journal);
        Log("finished");
        await Eventually.EventuallyAsync(() => ledger.Executions.Count > executionsBeforeRestart.Count, Deadline,
            "the worker ran activities after the restart (it reconnected by itself)");
        workerRun.IsCompleted.ShouldBeFalse($"the worker must still run: {workerRun.Exception}");
        await stopWorker.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => workerRun);

        Log("worker stopped");
        AcknowledgedCallsSurvived(journal, results);
        CompletedActivitiesRanOnce(ledger, results, completedBeforeKill, beforeRestart);
        foreach (var id in results.Keys)
        {
            var history = await client.GetWorkflowHandle(id).FetchHistoryAsync();
            Histories.ShouldBeContiguous(history);
            Histories.OfType(history, EventType.ActivityTaskScheduled).Count.ShouldBe(results[id].Steps.Count, id);
            Histories.OfType(history, EventType.WorkflowExecutionCompleted).ShouldHaveSingleItem(id);
            await Histories.ShouldReplayAsync(history);
        }
    }

    /// <summary>
    /// The server dies while a worker holds the (speculative) workflow task that delivers an update, with a signal
    /// acknowledged meanwhile; after the restart the workflow finishes and its history must hold that signal, with
    /// no gap in event ids.
    /// </summary>
    [Fact]
    public async Task ServerKilledWhileAWorkerRunsAnUpdateTask_SignalAcknowledgedMeanwhileStaysInHistory()
    {
        var port = ServerProcess.FreePort();
        var db = Path.Combine(directory, "server.db");
        var queue = $"update-crash-{Guid.NewGuid():N}";
        var id = $"wf-{queue}";
        await using var first = await ServerProcess.StartAsync(port, db);
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(first.Target));
        await using var hung = await WorkerProcess.StartAsync(first.Target, queue, "block-update", "hang");
        var input = Initial with { Steps = 0 };
        var handle = await client.StartWorkflowAsync((StepWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(id, queue) { TaskTimeout = TimeSpan.FromSeconds(2) });
        (await handle.ExecuteUpdateAsync(wf => wf.RecordAsync("before")).WaitAsync(Deadline)).ShouldBe(1);

        // The update's workflow task (speculative) is running in a worker that hangs; a signal arrives meanwhile and is
        // acknowledged; then the server dies.
        using var giveUp = new CancellationTokenSource();
        var hanging = handle.ExecuteUpdateAsync(wf => wf.RecordAsync("hang"),
            new WorkflowUpdateOptions("hang") { Rpc = new RpcOptions { CancellationToken = giveUp.Token } });
        await hung.WaitForLineAsync(l => l == $"update-blocked {id} hang", Deadline, "the update's task blocked");
        await handle.SignalAsync(wf => wf.AddAsync("during"));
        await first.KillAsync();
        hung.Kill();
        await hung.WaitForExitAsync(Deadline);
        await giveUp.CancelAsync();
        await hanging.ContinueWith(_ => { }, TaskScheduler.Default);

        await using var second = await ServerProcess.StartAsync(port, db);
        var ledger = new StepLedger();
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
            .AddWorkflow<StepWorkflow>().AddAllActivities(ledger.Activities));
        var result = await worker.ExecuteAsync(async () =>
        {
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await ResultAsync(client, id);
        });

        result.Signals.ShouldBe(["during"]);
        result.Updates.ShouldBe(["before"], "the hanging update was never accepted, and its caller gave up");
        var history = await handle.FetchHistoryAsync();
        Histories.ShouldBeContiguous(history);
        Histories.OfType(history, EventType.WorkflowExecutionSignaled).Count.ShouldBe(2, "during and Finish");
        await Histories.ShouldReplayAsync(history);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static int StepOf(string activityId) =>
        int.Parse(activityId["step-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    private static void AcknowledgedCallsSurvived(CallJournal journal, Dictionary<string, StepWorkflowResult> results)
    {
        foreach (var start in journal.Acknowledged(CallKind.Start))
        {
            results.ShouldContainKey(start.WorkflowId, "an acknowledged start must survive the crash");
        }

        foreach (var (id, result) in results)
        {
            var steps = id.StartsWith("wf-", StringComparison.Ordinal) ? Initial.Steps : Extra.Steps;
            result.Steps.Count.ShouldBe(steps, id);
            for (var i = 0; i < steps; i++)
            {
                result.Steps[i].ShouldStartWith($"step-{i}@");
            }

            ShouldHoldExactlyOnce(journal, CallKind.Signal, id, result.Signals);
            ShouldHoldExactlyOnce(journal, CallKind.Update, id, result.Updates);
        }

        journal.Acknowledged(CallKind.Signal).Count.ShouldBeGreaterThan(10, Describe(journal));
        journal.Acknowledged(CallKind.Update).Count.ShouldBeGreaterThan(5, Describe(journal));
    }

    /// <summary>Acknowledged calls appear exactly once; unacknowledged at most once; nothing else appears.</summary>
    private static void ShouldHoldExactlyOnce(CallJournal journal, CallKind kind, string id, IReadOnlyList<string> seen)
    {
        seen.ShouldBeUnique($"{kind} values seen by {id}");
        var attempted = journal.Attempted(kind).Where(c => c.WorkflowId == id).Select(c => c.Value).ToHashSet();
        seen.ShouldAllBe(v => attempted.Contains(v), $"{kind} values seen by {id} were all sent to it");
        var acknowledged = journal.Acknowledged(kind).Where(c => c.WorkflowId == id).Select(c => c.Value);
        acknowledged.Except(seen).ShouldBeEmpty($"acknowledged {kind} calls to {id} that the workflow never saw");
    }

    private static void CompletedActivitiesRanOnce(StepLedger ledger, Dictionary<string, StepWorkflowResult> results,
        Dictionary<string, HashSet<string>> completedBeforeKill, long beforeRestart)
    {
        var executions = ledger.Executions.GroupBy(e => e.Execution.Key).ToDictionary(g => g.Key, g => g.ToList());
        completedBeforeKill.Values.Sum(s => s.Count)
            .ShouldBeGreaterThan(0, "some activities completed before the kill");
        foreach (var (id, activityIds) in completedBeforeKill)
        {
            foreach (var activityId in activityIds)
            {
                executions[$"{id}/{activityId}"].Count.ShouldBe(1,
                    $"{id}/{activityId} completed before the kill and must not run again");
            }
        }

        foreach (var (id, result) in results)
        {
            for (var i = 0; i < result.Steps.Count; i++)
            {
                executions.ShouldContainKey($"{id}/step-{i}");
            }
        }

        foreach (var (key, runs) in executions)
        {
            runs.Select(r => r.Execution.Attempt).ShouldBeUnique($"{key}: an attempt is delivered once");
            if (runs.Count > 1)
            {
                runs[0].At.ShouldBeLessThan(beforeRestart,
                    $"{key} ran {runs.Count} times though it first began after the restart");
            }
        }
    }

    private static async Task<Dictionary<string, StepWorkflowResult>> FinishAllAsync(
        TemporalClient client, CallJournal journal)
    {
        var acknowledged = journal.Acknowledged(CallKind.Start).Select(c => c.WorkflowId).ToHashSet();
        var results = new Dictionary<string, StepWorkflowResult>();
        foreach (var id in journal.Attempted(CallKind.Start).Select(c => c.WorkflowId).Distinct())
        {
            var handle = client.GetWorkflowHandle<StepWorkflow>(id);
            try
            {
                await handle.SignalAsync(wf => wf.FinishAsync());
            }
            catch (RpcException ex) when (ex.Code == RpcException.StatusCode.NotFound && !acknowledged.Contains(id))
            {
                continue;
            }

            results[id] = await ResultAsync(client, id);
        }

        return results;
    }

    private static async Task<StepWorkflowResult> ResultAsync(TemporalClient client, string id)
    {
        try
        {
            return await client.GetWorkflowHandle<StepWorkflow>(id).GetResultAsync<StepWorkflowResult>()
                .WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"no result for {id}: {ex.Message}; {await Histories.DiagnoseAsync(client, id)}", ex);
        }
    }

    private static Task<bool> StartAsync(TemporalClient client, CallJournal journal, string queue, string id,
        StepWorkflowInput input, CancellationToken ct) =>
        journal.RunAsync(CallKind.Start, id, id, () => client.StartWorkflowAsync(
            (StepWorkflow wf) => wf.RunAsync(input),
            new WorkflowOptions(id, queue)
            {
                TaskTimeout = TimeSpan.FromSeconds(3),
                Rpc = new RpcOptions { CancellationToken = ct },
            }));

    private static async Task StartLoopAsync(
        TemporalClient client, CallJournal journal, string queue, CancellationToken ct)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(400));
        for (var n = 0; await Tick(tick, ct); n++)
        {
            await StartAsync(client, journal, queue, $"extra-{n}-{queue}", Extra, ct);
        }
    }

    private static async Task SignalLoopAsync(TemporalClient client, CallJournal journal, CancellationToken ct)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(30));
        for (var n = 0; await Tick(tick, ct); n++)
        {
            var targets = journal.Acknowledged(CallKind.Start);
            var id = targets[n % targets.Count].WorkflowId;
            var value = $"signal-{n}";
            await journal.RunAsync(CallKind.Signal, id, value, () => client.GetWorkflowHandle<StepWorkflow>(id)
                .SignalAsync(wf => wf.AddAsync(value),
                    new WorkflowSignalOptions { Rpc = new RpcOptions { CancellationToken = ct } }));
        }
    }

    private static async Task UpdateLoopAsync(TemporalClient client, CallJournal journal, CancellationToken ct)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(60));
        for (var n = 0; await Tick(tick, ct); n++)
        {
            var targets = journal.Acknowledged(CallKind.Start);
            var id = targets[n % targets.Count].WorkflowId;
            var value = $"update-{n}";
            await journal.RunAsync(CallKind.Update, id, value, () => client.GetWorkflowHandle<StepWorkflow>(id)
                .ExecuteUpdateAsync(wf => wf.RecordAsync(value),
                    new WorkflowUpdateOptions(value) { Rpc = new RpcOptions { CancellationToken = ct } }));
        }
    }

    private static async Task<bool> Tick(PeriodicTimer tick, CancellationToken ct)
    {
        try
        {
            return await tick.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Describe(CallJournal journal) =>
        string.Join("; ", journal.Calls.GroupBy(c => (c.Kind, c.Acknowledged))
            .Select(g => $"{g.Key.Kind} {(g.Key.Acknowledged ? "ok" : "failed")}: {g.Count()}"))
        + "; last errors: " + string.Join(" | ", journal.Calls.Where(c => c.Error is not null).TakeLast(3)
            .Select(c => c.Error));
}
