using System.Globalization;
using System.Runtime.InteropServices;
using DurableDelivery.Engine.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Bench;

/// <summary>Runs the four figures, each <see cref="BenchSettings.Repeats"/> times, and prints median and spread.</summary>
internal sealed class BenchRunner(BenchSettings settings)
{
    private const double ThroughputTarget = 2000;
    private const double StepP99TargetMs = 5;
    private const double ResumeTargetMs = 2000;
    private int dirs;

    public async Task<int> RunAsync()
    {
        Directory.CreateDirectory(settings.DataRoot);
        PrintMachine();
        var summary = new List<string>();
        double? commitRate = null;
        Dictionary<int, List<ThroughputResult>> throughput = [];
        try
        {
            if (settings.Only.Contains("commit"))
            {
                Section("(1) raw SQLite commit rate: WAL, synchronous=FULL, one small INSERT per transaction, one connection");
                var rates = new List<double>();
                for (var i = 0; i < settings.Repeats; i++)
                {
                    rates.Add(CommitRateBench.Run(NextDir("commit"), settings.CommitDuration));
                    Line($"  run {i + 1}: {rates[^1]:N0} commits/s");
                }

                commitRate = Stats.Median(rates);
                Line($"  commits/s: {Stats.Summary(rates, "N0")}");
                summary.Add($"(1) commit bound: {Stats.Summary(rates, "N0")} commits/s");
            }

            if (settings.Only.Contains("throughput"))
            {
                Section($"(2) 3-activity workflows end to end, closed loop of N in flight for {settings.Duration.TotalSeconds:0.#} s per run; (3) activity completion -> next activity start");
                // Tiered JIT keeps recompiling hot methods for several seconds; measure the steady state.
                var warmup = settings.Warmup;
                Line($"  warm-up run (JIT tiering), N=100 for {warmup.TotalSeconds:0.#} s, discarded ...");
                await ThroughputBench.RunAsync(NextDir("warmup"), 100, warmup, settings.EagerStart).ConfigureAwait(false);
                foreach (var c in settings.Concurrency)
                {
                    var runs = throughput[c] = [];
                    for (var i = 0; i < settings.Repeats; i++)
                    {
                        var r = await ThroughputBench.RunAsync(NextDir($"tp{c}"), c, settings.Duration, settings.EagerStart, settings).ConfigureAwait(false);
                        runs.Add(r);
                        Line(string.Create(
                            CultureInfo.InvariantCulture,
                            $"  N={c,3} run {i + 1}: {r.PerSecond,8:N0} wf/s ({r.Workflows} in {r.Seconds:0.00}s), {r.CommitsPerWorkflow:0.00} commits/wf, {r.OperationsPerWorkflow:0.00} ops/wf, " +
                            $"{(double)r.Operations / Math.Max(1, r.Commits):0.0} ops/commit, {r.PagesPerWorkflow:0.0} WAL pages/wf, {(double)r.LockContentions / r.Workflows:0.00} lock contentions/wf, {(double)r.WorkItems / r.Workflows:0.0} pool items/wf ({r.PoolThreads} threads), {r.BytesPerWorkflow / 1024:N1} KiB/wf, {r.CpuMsPerWorkflow:0.000} CPU ms/wf; step p50 {Stats.Percentile(r.StepLatenciesMs, 50):0.000} ms p99 {Stats.Percentile(r.StepLatenciesMs, 99):0.000} ms " +
                            $"({r.StepLatenciesMs.Length} samples); workflow p50 {Stats.Percentile(r.EndToEndMs, 50):0.00} ms"));
                    }

                    var rates = runs.Select(r => r.PerSecond).ToList();
                    var p50 = runs.Select(r => Stats.Percentile(r.StepLatenciesMs, 50)).ToList();
                    var p99 = runs.Select(r => Stats.Percentile(r.StepLatenciesMs, 99)).ToList();
                    Line($"  N={c,3}: wf/s {Stats.Summary(rates, "N0")}");
                    Line($"         commits/wf {Stats.Summary([.. runs.Select(r => r.CommitsPerWorkflow)], "0.00")}, ops/wf {Stats.Summary([.. runs.Select(r => r.OperationsPerWorkflow)], "0.00")}, WAL pages/wf {Stats.Summary([.. runs.Select(r => r.PagesPerWorkflow)], "0.0")}");
                    Line($"         allocated KiB/wf {Stats.Summary([.. runs.Select(r => r.BytesPerWorkflow / 1024)], "N1")}, CPU ms/wf {Stats.Summary([.. runs.Select(r => r.CpuMsPerWorkflow)], "0.000")} (whole process: client, worker and store)");
                    Line($"         step latency p50 ms {Stats.Summary(p50, "0.000")}, p99 ms {Stats.Summary(p99, "0.000")} (samples per run: {runs.Min(r => r.StepLatenciesMs.Length)}..{runs.Max(r => r.StepLatenciesMs.Length)})");
                    summary.Add($"(2) N={c}: {Stats.Summary(rates, "N0")} wf/s; {Stats.Median([.. runs.Select(r => r.CommitsPerWorkflow)]):0.00} commits/wf, {Stats.Median([.. runs.Select(r => r.OperationsPerWorkflow)]):0.00} ops/wf, " +
                        $"{Stats.Median([.. runs.Select(r => r.PagesPerWorkflow)]):0.0} WAL pages/wf, {Stats.Median([.. runs.Select(r => r.BytesPerWorkflow / 1024)]):N1} KiB/wf, {Stats.Median([.. runs.Select(r => r.CpuMsPerWorkflow)]):0.000} CPU ms/wf");
                    summary.Add($"(3) N={c}: step p50 {Stats.Summary(p50, "0.000")} ms, p99 {Stats.Summary(p99, "0.000")} ms {Verdict(Stats.Median(p99) < StepP99TargetMs)} (target p99 < {StepP99TargetMs} ms)");
                }
            }

            if (settings.Only.Contains("openloop"))
            {
                Section($"(3b) step latency at an offered rate: open loop, workflows due every 1/rate s for {settings.Duration.TotalSeconds:0.#} s per run, whatever is in flight");
                Line($"  client MaxPollInterval: {(settings.MaxPoll is { } mp ? $"{mp.TotalMilliseconds:0} ms (--max-poll)" : $"{new DurableDelivery.Engine.Client.DurableClientOptions().MaxPollInterval.TotalMilliseconds:0} ms (default)")}");
                if (!settings.Only.Contains("throughput"))
                {
                    Line($"  warm-up run (JIT tiering), closed loop N=100 for {settings.Warmup.TotalSeconds:0.#} s, discarded ...");
                    await ThroughputBench.RunAsync(NextDir("warmup"), 100, settings.Warmup, eagerStart: false).ConfigureAwait(false);
                }

                foreach (var rate in settings.Rates)
                {
                    var runs = new List<OpenLoopResult>();
                    for (var i = 0; i < settings.Repeats; i++)
                    {
                        var r = await OpenLoopBench.RunAsync(NextDir($"open{rate:0}"), rate, settings.Duration, settings).ConfigureAwait(false);
                        runs.Add(r);
                        Line(string.Create(
                            CultureInfo.InvariantCulture,
                            $"  offered {rate,5:0} wf/s run {i + 1}: completed {r.CompletedPerSecond,6:N0} wf/s ({r.Completed} in {r.Seconds:0.00}s), max in flight {r.MaxInFlight}, start lag max {r.MaxStartLagMs:0.0} ms; " +
                            $"step p50 {Stats.Percentile(r.StepLatenciesMs, 50):0.000} ms p99 {Stats.Percentile(r.StepLatenciesMs, 99):0.000} ms ({r.StepLatenciesMs.Length} samples); " +
                            $"workflow (from due) p50 {Stats.Percentile(r.EndToEndMs, 50):0.00} ms p99 {Stats.Percentile(r.EndToEndMs, 99):0.00} ms; " +
                            $"writer: {r.CommitMs.Length} commits, batch work p50 {Stats.Percentile(r.BatchWorkMs, 50):0.000} p99 {Stats.Percentile(r.BatchWorkMs, 99):0.000} max {Stats.Percentile(r.BatchWorkMs, 100):0.0} ms, COMMIT (WAL write + sync) p50 {Stats.Percentile(r.CommitMs, 50):0.000} p99 {Stats.Percentile(r.CommitMs, 99):0.000} max {Stats.Percentile(r.CommitMs, 100):0.0} ms; GC: {r.GcCounts[0]}/{r.GcCounts[1]}/{r.GcCounts[2]} collections (gen0/1/2), {r.GcPause.TotalMilliseconds:0} ms paused; WAL restarted {r.WalRestarts} times, file {r.WalBytes / 1048576.0:0} MiB at the end"));
                    }

                    var p50 = runs.Select(r => Stats.Percentile(r.StepLatenciesMs, 50)).ToList();
                    var p99 = runs.Select(r => Stats.Percentile(r.StepLatenciesMs, 99)).ToList();
                    Line($"  offered {rate:0} wf/s: completed {Stats.Summary([.. runs.Select(r => r.CompletedPerSecond)], "N0")} wf/s; step p50 ms {Stats.Summary(p50, "0.000")}, p99 ms {Stats.Summary(p99, "0.000")}");
                    summary.Add($"(3b) offered {rate:0} wf/s: step p50 {Stats.Summary(p50, "0.000")} ms, p99 {Stats.Summary(p99, "0.000")} ms {Verdict(Stats.Median(p99) < StepP99TargetMs)} (target p99 < {StepP99TargetMs} ms); " +
                        $"completed {Stats.Median([.. runs.Select(r => r.CompletedPerSecond)]):N0} wf/s, max in flight {Stats.Median([.. runs.Select(r => (double)r.MaxInFlight)]):0}");
                }
            }

            if (settings.Only.Contains("resume"))
            {
                Section($"(4) resume of {settings.ResumeCount:N0} open workflows by a fresh worker process after SIGKILL");
                Line("  definition: " + ResumeBench.Definition.Replace("N ", $"{settings.ResumeCount:N0} ", StringComparison.Ordinal));
                var results = new List<ResumeResult>();
                for (var i = 0; i < settings.Repeats; i++)
                {
                    var r = await ResumeBench.RunAsync(NextDir("resume"), settings.ResumeCount, settings).ConfigureAwait(false);
                    results.Add(r);
                    Line($"  run {i + 1}: resumed all {r.Workflows:N0} in {r.ResumedMs:N0} ms (worker process printed 'ready' after {r.ReadyMs:N0} ms)");
                }

                var ms = results.Select(r => r.ResumedMs).ToList();
                Line($"  resume ms: {Stats.Summary(ms, "N0")}; of which process start to worker ready: {Stats.Summary([.. results.Select(r => r.ReadyMs)], "N0")}");
                summary.Add($"(4) resume of {settings.ResumeCount:N0}: {Stats.Summary(ms, "N0")} ms {Verdict(Stats.Median(ms) < ResumeTargetMs)} (target < {ResumeTargetMs:N0} ms)");
            }

            Section("summary (median of runs; min..max spread)");
            foreach (var s in summary)
            {
                Line("  " + s);
            }

            if (throughput.TryGetValue(100, out var at100))
            {
                var median = Stats.Median([.. at100.Select(r => r.PerSecond)]);
                Line($"  (2) at N=100: {median:N0} wf/s {Verdict(median >= ThroughputTarget)} (target >= {ThroughputTarget:N0} wf/s)");
                if (commitRate is { } bound)
                {
                    Line($"  ratio (2) at N=100 / (1) commit bound = {median:N0} / {bound:N0} = {median / bound:0.000} workflows per raw single-insert commit");
                }
            }

            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            if (!settings.Keep)
            {
                try
                {
                    Directory.Delete(settings.DataRoot, recursive: true);
                }
                catch (IOException e)
                {
                    Console.Error.WriteLine($"could not delete {settings.DataRoot}: {e.Message}");
                }
            }
        }
    }

    private static string Verdict(bool met) => met ? "MET" : "NOT MET";

    private static void Section(string title)
    {
        Console.Out.WriteLine();
        Console.Out.WriteLine("== " + title);
        Console.Out.WriteLine("  " + LoadAverage());
    }

    /// <summary>The machine is shared: other processes' load changes every figure, so it is printed with each one.</summary>
    private static string LoadAverage() => File.Exists("/proc/loadavg")
        ? $"load average (1/5/15 min) at start: {string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))} on {Environment.ProcessorCount} CPUs"
        : "load average: unknown";

    private static void Line(string text) => Console.Out.WriteLine(text);

    private string NextDir(string name) => Path.Combine(settings.DataRoot, $"{++dirs:D2}-{name}");

    private void PrintMachine()
    {
        var memKb = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
            : null;
        var memGiB = memKb is null ? double.NaN : long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        SqliteNative.LibraryThreading = settings.SqliteSerialized;
        SqliteWriter.AlwaysSavepoints = settings.Savepoints;
        SqliteNative.EnsureInitialized();

        // The options the throughput runs' worker is built with (ThroughputBench), so the line cannot drift from them.
        var defaults = ThroughputBench.WorkerOptions();
        Line("DurableDelivery engine benchmark");
        Line($"  machine: {Environment.ProcessorCount} logical CPUs, {memGiB:0.0} GiB memory, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, SQLite {SQLitePCL.raw.sqlite3_libversion().utf8_to_string()}");
        Line($"  SQLite threading: {(SqliteNative.Configured ? "multi-thread, no memory statistics (the store's configuration)" : settings.SqliteSerialized ? "serialized, memory statistics (--sqlite-serialized)" : "serialized (SQLite was initialized before the store could configure it)")}");
        Line($"  writer batches: {(settings.Savepoints ? "a savepoint per operation (--savepoints)" : "without savepoints, run again with them when an operation throws")}");
        Line($"  run ids: {(settings.RandomRunIds ? "random, UUID version 4 (--random-run-ids)" : "time-ordered, UUID version 7 (the client's)")}");
        Line($"  data root: {settings.DataRoot} (every store and the commit-rate file live here: one file system)");
        Line($"  settings: repeats {settings.Repeats}, throughput run {settings.Duration.TotalSeconds:0.#} s, commit-rate run {settings.CommitDuration.TotalSeconds:0.#} s{(settings.Quick ? " (--quick)" : string.Empty)}; workflows started {(settings.EagerStart ? "with RequestEagerStart (eager workflow start)" : "normally (no eager start)")}; worker options: defaults (MaxConcurrentWorkflowTasks {defaults.MaxConcurrentWorkflowTasks}, MaxConcurrentActivities {defaults.MaxConcurrentActivities}, " +
            $"DeadlockTimeout {(defaults.DeadlockTimeout == Timeout.InfiniteTimeSpan ? "off" : $"{defaults.DeadlockTimeout.TotalSeconds:0.#} s")})");
    }
}
