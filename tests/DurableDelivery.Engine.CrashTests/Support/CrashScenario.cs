using System.Diagnostics;
using System.Globalization;
using DurableDelivery.CrashWorker;
using DurableDelivery.CrashWorker.Workflows;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Worker;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.CrashTests.Support;

/// <summary>
/// One crash scenario: a temporary data dir with a store, the workflows started on it, the worker processes run on it
/// (all killed on dispose), and the checks after a crash and a restart.
/// </summary>
internal sealed class CrashScenario : IAsyncDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private readonly List<CrashWorkerProcess> processes = [];
    private readonly List<ExpectedWorkflow> expected = [];
    private readonly List<string> signalWorkflows = [];
    private readonly List<string> signalValues = [];

    private CrashScenario(string dataDir)
    {
        DataDir = dataDir;
        Client = DurableClient.Open(dataDir);
        Log = ActivityLog.In(dataDir);
    }

    public string DataDir { get; }

    public DurableClient Client { get; }

    public ActivityLog Log { get; }

    public IReadOnlyList<ExpectedWorkflow> Expected => expected;

    /// <summary>Creates the data dir and store, and starts the workflows of <paramref name="mix"/>; signal workflows wait for <paramref name="signals"/>.</summary>
    public static async Task<CrashScenario> StartAsync(WorkflowMix mix, params string[] signals)
    {
        var dir = Path.Combine(Path.GetTempPath(), "dd-crash-" + Guid.NewGuid().ToString("N")[..12]);
        var scenario = new CrashScenario(dir);
        scenario.signalValues.AddRange(signals);
        try
        {
            await scenario.StartWorkflowsAsync(mix);
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }

        return scenario;
    }

    /// <summary>Starts a worker process on the data dir, with a crash point (<c>name:n</c>) or without.</summary>
    public CrashWorkerProcess StartWorker(string? crashPoint = null)
    {
        var worker = CrashWorkerProcess.Start(DataDir, crashPoint);
        processes.Add(worker);
        return worker;
    }

    /// <summary>
    /// Sends the values, back to back, to each signal workflow in turn (so that signals arrive while the worker handles
    /// the previous one); each send has returned (is acknowledged) when this completes.
    /// </summary>
    public async Task SignalAllAsync(params string[] values)
    {
        foreach (var id in signalWorkflows)
        {
            var handle = Client.GetWorkflowHandle<SignalWorkflow>(id);
            foreach (var value in values)
            {
                await handle.SignalAsync(wf => wf.AddAsync(value));
            }
        }
    }

    /// <summary>Waits for a worker that must kill itself at its crash point and checks that it died there, by SIGKILL.</summary>
    public static async Task ShouldDieAtCrashPointAsync(CrashWorkerProcess worker)
    {
        var exitCode = await worker.WaitForExitAsync(ProcessTimeout);
        exitCode.ShouldBe(CrashWorkerProcess.SigKillExitCode, $"the worker must die by SIGKILL at {worker.CrashPoint}; output:\n{worker.Output}");
        worker.Output.ShouldContain($"crash point {worker.CrashPoint} reached: SIGKILL", Case.Sensitive, $"the worker must die at its crash point; output:\n{worker.Output}");
    }

    /// <summary>Kills a worker with SIGKILL and waits until it is gone.</summary>
    public static async Task KillAsync(CrashWorkerProcess worker)
    {
        worker.Kill();
        (await worker.WaitForExitAsync(ProcessTimeout)).ShouldBe(CrashWorkerProcess.SigKillExitCode, $"output:\n{worker.Output}");
    }

    /// <summary>
    /// Reads the store as the dead worker left it: the activity attempts it held (in flight at the crash, the only ones
    /// that may run again), the activity completions it recorded (in a history, or in an inbox not yet applied), and how
    /// many executions the log holds.
    /// </summary>
    public async Task<CrashSnapshot> SnapshotAsync(CrashWorkerProcess dead)
    {
        dead.HasExited.ShouldBeTrue("snapshot only after the worker died");
        var inFlight = new HashSet<(string RunId, string ActivityId)>();
        var completed = new HashSet<(string RunId, string ActivityId)>();
        await foreach (var run in Client.ListWorkflowsAsync(new WorkflowListFilter { Limit = 100_000 }))
        {
            var handle = Client.GetWorkflowHandle(run.WorkflowId, run.RunId);
            foreach (var a in (await handle.DescribeAsync()).PendingActivities.Where(a => a.Worker is not null))
            {
                inFlight.Add((run.RunId, a.ActivityId));
            }

            foreach (var e in (await handle.FetchHistoryAsync()).Events.Where(e => e.EventType == EventType.ActivityTaskCompleted))
            {
                completed.Add((run.RunId, e.ScheduledEventId!.Value.ToString(CultureInfo.InvariantCulture)));
            }
        }

        // Completions not yet applied to a history wait in the store's inbox, which no public API shows: read it directly.
        var store = new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataDir, "engine.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using (var connection = new SqliteConnection(store))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT run_id, data FROM inbox";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var e = PayloadConverter.Deserialize<HistoryEvent>(reader.GetString(1));
                if (e.EventType == EventType.ActivityTaskCompleted)
                {
                    completed.Add((reader.GetString(0), e.ScheduledEventId!.Value.ToString(CultureInfo.InvariantCulture)));
                }
            }
        }

        inFlight.Intersect(completed).ShouldBeEmpty("an activity whose completion is recorded must not still be held as a running attempt");
        return new CrashSnapshot(dead.Pid, inFlight, completed, Log.ReadAll().Count);
    }

    /// <summary>Waits until every started workflow has completed (following continue-as-new); returns the time since the worker process started and since it printed "ready".</summary>
    public async Task<Resume> WaitAllCompletedAsync(CrashWorkerProcess worker, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? ProcessTimeout);
        var results = Task.WhenAll(expected.Select(e => Client.GetWorkflowHandle(e.WorkflowId).GetResultJsonAsync(deadline.Token)));
        var first = await Task.WhenAny(results, worker.Exited);
        if (first != results)
        {
            await deadline.CancelAsync();
            throw new ShouldAssertException($"the restarted worker exited (code {await worker.WaitForExitAsync(ProcessTimeout)}) before every workflow completed; output:\n{worker.Output}");
        }

        try
        {
            await results;
        }
        catch (OperationCanceledException)
        {
            var open = await OpenRunsAsync();
            throw new ShouldAssertException($"not every workflow completed within the deadline; still open: {string.Join(", ", open)}; worker output:\n{worker.Output}");
        }

        var done = Stopwatch.GetTimestamp();
        return new Resume(Stopwatch.GetElapsedTime(worker.StartedAt, done), worker.ReadyAt == 0 ? null : Stopwatch.GetElapsedTime(worker.ReadyAt, done));
    }

    /// <summary>
    /// Checks everything a crash must not break: exact results, nothing left open, every activity scheduled once and
    /// run exactly as often as without a crash, except the attempts in flight at the crash, which may run once more;
    /// and every run's history replays.
    /// </summary>
    public Task VerifyAsync(CrashSnapshot crash) => VerifyAsync([crash]);

    /// <summary>The checks of <see cref="VerifyAsync(CrashSnapshot)"/> after several crashes: an attempt may run once more for each crash it was in flight at.</summary>
    public async Task VerifyAsync(IReadOnlyList<CrashSnapshot> crashes)
    {
        foreach (var e in expected)
        {
            var result = await Client.GetWorkflowHandle(e.WorkflowId).GetResultAsync<string>();
            result.ShouldBe(e.Result, $"result of {e.Shape} workflow {e.WorkflowId}");
        }

        (await OpenRunsAsync()).ShouldBeEmpty("no workflow may be left open");

        var log = Log.ReadAll();
        var activities = expected.SelectMany(e => e.Activities).ToList();
        var byStep = log.GroupBy(x => (x.WorkflowId, x.Activity)).ToDictionary(g => g.Key, g => g.ToList());
        byStep.Keys.OrderBy(k => k).ShouldBe(activities.Select(a => (a.WorkflowId, a.Step)).OrderBy(k => k), "exactly the expected activities ran");

        var duplicates = 0;
        foreach (var a in activities)
        {
            var runs = byStep[(a.WorkflowId, a.Step)];
            var keys = runs.Select(r => r.Key).Distinct().ToList();
            keys.Count.ShouldBe(1, $"{a.WorkflowId}/{a.Step} must be scheduled once, not again after the crash: {Describe(runs)}");
            // In flight at a crash and completed at a later one (several crashes) is legitimate: the killed attempt ran, its
            // outcome was never recorded, the next worker ran it again and recorded that. In flight and completed at the same
            // crash cannot happen (checked by SnapshotAsync), and after its completion is recorded it is never in flight again.
            var crashesInFlight = crashes.Count(c => c.InFlight.Contains(keys[0]));
            if (crashesInFlight == 0 && crashes.Any(c => c.Completed.Contains(keys[0])))
            {
                runs.Count.ShouldBe(a.Executions, $"{a.WorkflowId}/{a.Step} had its completion recorded before a crash: it must have run exactly {a.Executions} time(s): {Describe(runs)}");
            }
            else if (crashesInFlight > 0)
            {
                runs.Count.ShouldBeInRange(
                    a.Executions,
                    a.Executions + crashesInFlight,
                    $"{a.WorkflowId}/{a.Step} was in flight at {crashesInFlight} crash(es): it may run once more for each (at least once), no more: {Describe(runs)}");
                duplicates += runs.Count - a.Executions;
                if (runs.Count > a.Executions)
                {
                    runs.ShouldContain(r => crashes.Any(c => c.CrashedPid == r.Pid), $"{a.WorkflowId}/{a.Step} may run again only because a killed worker ran it: {Describe(runs)}");
                }
            }
            else
            {
                runs.Count.ShouldBe(a.Executions, $"{a.WorkflowId}/{a.Step} was not in flight at the crash (completed before, or started after): it must run exactly {a.Executions} time(s): {Describe(runs)}");
            }
        }

        duplicates.ShouldBeLessThanOrEqualTo(crashes.Sum(c => c.InFlight.Count), "only the attempts in flight at a crash may run twice");

        // Signals (from clients and from workflows) arrive exactly once each, in order: never lost, never sent again after a crash.
        foreach (var (workflowId, payloads) in expected.SelectMany(e => e.Signals))
        {
            var events = (await Client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events;
            events.Where(e => e.EventType == EventType.WorkflowExecutionSignaled).Select(e => PayloadConverter.Deserialize<string[]>(e.Payload).Single())
                .ShouldBe(payloads, $"signals received by {workflowId}");
        }

        foreach (var e in expected.Where(e => e.Shape == "relay"))
        {
            foreach (var sender in new[] { e.WorkflowId, $"{e.WorkflowId}/echo" })
            {
                var events = (await Client.GetWorkflowHandle(sender).FetchHistoryAsync()).Events;
                events.Count(x => x.EventType == EventType.SignalExternalWorkflowExecutionInitiated).ShouldBe(RelayWorkflow.Messages, $"signals sent by {sender}");
                events.Count(x => x.EventType == EventType.ExternalWorkflowExecutionSignaled).ShouldBe(RelayWorkflow.Messages, $"deliveries recorded by {sender}");
            }
        }

        var replayer = new WorkflowReplayer().AddCrashWorkflows();
        await foreach (var run in Client.ListWorkflowsAsync(new WorkflowListFilter { Limit = 100_000 }))
        {
            var history = await Client.GetWorkflowHandle(run.WorkflowId, run.RunId).FetchHistoryAsync();
            Should.NotThrow(() => replayer.ReplayWorkflow(history), $"history of {run.WorkflowId} run {run.RunId} must replay");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in processes)
        {
            await p.DisposeAsync();
        }

        await Client.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind is harmless.
        }
    }

    private static string Describe(IEnumerable<ActivityExecution> runs) => string.Join("; ", runs);

    private async Task<List<string>> OpenRunsAsync()
    {
        var open = new List<string>();
        await foreach (var run in Client.ListWorkflowsAsync(new WorkflowListFilter { Status = WorkflowExecutionStatus.Running, Limit = 100_000 }))
        {
            open.Add($"{run.WorkflowId} ({run.WorkflowType})");
        }

        return open;
    }

    private async Task StartWorkflowsAsync(WorkflowMix mix)
    {
        static ExpectedActivity Once(string workflowId, string step) => new(workflowId, step, 1);
        var q = Steps.TaskQueue;
        for (var i = 0; i < mix.Sequential; i++)
        {
            var id = $"sequential-{i}";
            await Client.StartWorkflowAsync((SequentialWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, q));
            expected.Add(new(id, "sequential", "<step-1>+<step-2>+<step-3>", [Once(id, "step-1"), Once(id, "step-2"), Once(id, "step-3")]));
        }

        for (var i = 0; i < mix.Timer; i++)
        {
            var id = $"timer-{i}";
            await Client.StartWorkflowAsync((TimerWorkflow wf) => wf.RunAsync(WorkflowMix.TimerMs), new WorkflowOptions(id, q));
            expected.Add(new(id, "timer", "<before>+<after>", [Once(id, "before"), Once(id, "after")]));
        }

        for (var i = 0; i < mix.Signal; i++)
        {
            var id = $"signal-{i}";
            await Client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(signalValues.Count), new WorkflowOptions(id, q));
            signalWorkflows.Add(id);
            expected.Add(new(id, "signal", $"<before>+[{string.Join(',', signalValues)}]+<after>", [Once(id, "before"), Once(id, "after")])
            {
                Signals = new Dictionary<string, IReadOnlyList<string>> { [id] = signalValues },
            });
        }

        for (var i = 0; i < mix.Flaky; i++)
        {
            var id = $"flaky-{i}";
            await Client.StartWorkflowAsync((FlakyWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, q));
            expected.Add(new(id, "flaky", "<flaky>+<after>", [new(id, "flaky", FlakyWorkflow.Failures + 1), Once(id, "after")]));
        }

        for (var i = 0; i < mix.Parent; i++)
        {
            var id = $"parent-{i}";
            await Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, q));
            expected.Add(new(id, "parent", "<parent-before>+child(<child>)+<parent-after>", [Once(id, "parent-before"), Once($"{id}/child", "child"), Once(id, "parent-after")]));
        }

        for (var i = 0; i < mix.Loop; i++)
        {
            var id = $"loop-{i}";
            await Client.StartWorkflowAsync((LoopWorkflow wf) => wf.RunAsync(1, WorkflowMix.LoopRuns, string.Empty), new WorkflowOptions(id, q));
            var steps = Enumerable.Range(1, WorkflowMix.LoopRuns).Select(n => $"iter-{n}").ToList();
            expected.Add(new(id, "loop", string.Join('+', steps.Select(s => $"<{s}>")), [.. steps.Select(s => Once(id, s))]));
        }

        for (var i = 0; i < mix.Parallel; i++)
        {
            var id = $"parallel-{i}";
            await Client.StartWorkflowAsync((ParallelWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, q));
            expected.Add(new(id, "parallel", "<fan-1>+<fan-2>+<fan-3>+<joined>", [Once(id, "fan-1"), Once(id, "fan-2"), Once(id, "fan-3"), Once(id, "joined")]));
        }

        for (var i = 0; i < mix.Relay; i++)
        {
            var id = $"relay-{i}";
            await Client.StartWorkflowAsync((RelayWorkflow wf) => wf.RunAsync(), new WorkflowOptions(id, q));
            var sent = string.Join(',', RelayWorkflow.Sent);
            expected.Add(new(id, "relay", $"<relay-before>+[{string.Join(',', RelayWorkflow.Replies)}]+echo([{sent}]+<echo>)+<relay-after>", [Once(id, "relay-before"), Once($"{id}/echo", "echo"), Once(id, "relay-after")])
            {
                Signals = new Dictionary<string, IReadOnlyList<string>> { [id] = RelayWorkflow.Replies, [$"{id}/echo"] = RelayWorkflow.Sent },
            });
        }
    }
}

/// <summary>The store as a killed worker left it.</summary>
/// <param name="CrashedPid">The killed worker's pid.</param>
/// <param name="InFlight">The activity attempts it held: (run id, activity id).</param>
/// <param name="Completed">The activities whose completion the store had recorded: (run id, activity id).</param>
/// <param name="LoggedExecutions">Activity executions recorded before the crash.</param>
internal sealed record CrashSnapshot(
    int CrashedPid,
    IReadOnlySet<(string RunId, string ActivityId)> InFlight,
    IReadOnlySet<(string RunId, string ActivityId)> Completed,
    int LoggedExecutions);

/// <summary>How long a restarted worker took to complete every workflow.</summary>
/// <param name="SinceStart">From the process start (includes the runtime's start-up).</param>
/// <param name="SinceReady">From the worker printing "ready" (its first poll), if it did.</param>
internal sealed record Resume(TimeSpan SinceStart, TimeSpan? SinceReady)
{
    public override string ToString() => $"{SinceStart.TotalMilliseconds:0} ms after its process started ({SinceReady?.TotalMilliseconds ?? double.NaN:0} ms after it was ready)";
}
