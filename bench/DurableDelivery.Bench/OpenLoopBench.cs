using System.Diagnostics;
using System.Collections.Concurrent;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Bench;

/// <summary>The outcome of one open-loop run: workflows offered at a fixed rate, whatever the engine's latency.</summary>
internal sealed record OpenLoopResult(
    double OfferedPerSecond, int Completed, double Seconds, int MaxInFlight, double[] StepLatenciesMs, double[] EndToEndMs, double MaxStartLagMs,
    double[] BatchWorkMs, double[] CommitMs, TimeSpan GcPause, int[] GcCounts, long WalRestarts, long WalBytes)
{
    /// <summary>Gets the completions per second from the first due start to the last result (every workflow offered completes: the run waits for all).</summary>
    public double CompletedPerSecond => Completed / Seconds;
}

/// <summary>
/// Figure 3b: step latency at a given load instead of at saturation. The closed loop of figure 2 keeps N workflows in
/// flight, so by Little's law its latencies are N / throughput whatever the engine does (at N=100 and 2,000 wf/s each
/// workflow lives 50 ms on average, 5 durable commits in sequence); a latency target is met or not at an offered
/// rate. Here the i-th workflow is due at i / rate from the start (a schedule, not a loop that waits for results, so a
/// slow engine cannot slow the load: no coordinated omission); every due workflow is started at once, however many are
/// already in flight, and its end-to-end latency counts from when it was due. Same workflow, worker and store as figure 2.
/// </summary>
internal static class OpenLoopBench
{
    public static async Task<OpenLoopResult> RunAsync(string dataDir, double rate, TimeSpan duration, BenchSettings settings)
    {
        var options = new DurableClientOptions();
        await using var client = DurableClient.Open(dataDir, settings.MaxPoll is { } max ? options with { MaxPollInterval = max } : options);
        settings.Apply(client);
        var worker = new DurableWorker(client, ThroughputBench.WorkerOptions());
        using var stop = new CancellationTokenSource();
        var running = worker.ExecuteAsync(stop.Token);
        var writer = ((SqliteWorkflowStore)client.Store).Writer;
        var work = new ConcurrentQueue<long>();
        var commits = new ConcurrentQueue<long>();
        try
        {
            StepClock.Reset();
            var pause0 = GC.GetTotalPauseDuration();
            var restarts0 = writer.WalRestarts;
            int[] counts0 = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            writer.Timings = (w, c, _) =>
            {
                work.Enqueue(w);
                commits.Enqueue(c);
            };
            var total = (int)Math.Round(rate * duration.TotalSeconds);
            var endToEnd = new double[total];
            var flights = new List<Task>(total);
            var inFlight = 0;
            var maxInFlight = 0;
            var maxLag = 0.0;
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < total; i++)
            {
                var dueMs = i * 1000.0 / rate;
                var nowMs = sw.Elapsed.TotalMilliseconds;
                if (dueMs > nowMs)
                {
                    // Task.Delay is coarse (about 1 ms): the workflows due meanwhile start together when it returns.
                    await Task.Delay(TimeSpan.FromMilliseconds(dueMs - nowMs)).ConfigureAwait(false);
                }
                else
                {
                    maxLag = Math.Max(maxLag, nowMs - dueMs);
                }

                var n = i;
                var current = Interlocked.Increment(ref inFlight);
                maxInFlight = Math.Max(maxInFlight, current);
                flights.Add(RunOneAsync(client, n, dueMs, sw, endToEnd, () => Interlocked.Decrement(ref inFlight)));
            }

            await Task.WhenAll(flights).ConfigureAwait(false);
            sw.Stop();
            writer.Timings = null;
            static double[] Ms(IEnumerable<long> ticks) => [.. ticks.Select(t => t * 1000.0 / Stopwatch.Frequency)];
            return new OpenLoopResult(rate, total, sw.Elapsed.TotalSeconds, maxInFlight, StepClock.TakeMilliseconds(), endToEnd, maxLag, Ms(work), Ms(commits),
                GC.GetTotalPauseDuration() - pause0, [GC.CollectionCount(0) - counts0[0], GC.CollectionCount(1) - counts0[1], GC.CollectionCount(2) - counts0[2]],
                writer.WalRestarts - restarts0, new FileInfo(((SqliteWorkflowStore)client.Store).Location + "-wal").Length);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    private static async Task RunOneAsync(DurableClient client, int n, double dueMs, Stopwatch sw, double[] endToEnd, Action done)
    {
        var handle = await client.StartWorkflowAsync((ThreeStepWorkflow wf) => wf.RunAsync(n), new WorkflowOptions($"open-{n}", BenchWorkflows.TaskQueue)).ConfigureAwait(false);
        var result = await handle.GetResultAsync().ConfigureAwait(false);
        if (result != n + 6)
        {
            throw new InvalidOperationException($"workflow open-{n} returned {result}, expected {n + 6}");
        }

        endToEnd[n] = sw.Elapsed.TotalMilliseconds - dueMs;
        done();
    }
}
