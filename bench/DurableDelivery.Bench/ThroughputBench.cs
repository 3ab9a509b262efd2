using System.Diagnostics;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Bench;

/// <summary>The outcome of one closed-loop run of <see cref="ThreeStepWorkflow"/>.</summary>
internal sealed record ThroughputResult(
    int Concurrency, int Workflows, double Seconds, long Commits, long Operations, long Pages, long LockContentions, long WorkItems, int PoolThreads, long AllocatedBytes, TimeSpan Cpu, double[] StepLatenciesMs, double[] EndToEndMs)
{
    public double PerSecond => Workflows / Seconds;

    public double CommitsPerWorkflow => (double)Commits / Workflows;

    public double OperationsPerWorkflow => (double)Operations / Workflows;

    /// <summary>Gets the WAL pages (4 KiB frames) the writer's commits wrote per workflow: what a workflow costs the disk.</summary>
    public double PagesPerWorkflow => (double)Pages / Workflows;

    /// <summary>Gets the bytes the whole process allocated per workflow (client, worker and store together): independent of machine load.</summary>
    public double BytesPerWorkflow => (double)AllocatedBytes / Workflows;

    /// <summary>Gets the CPU time (user + system, every thread of the process) per workflow.</summary>
    public double CpuMsPerWorkflow => Cpu.TotalMilliseconds / Workflows;
}

/// <summary>
/// Figures 2 and 3: one process, one store, one worker with default options; a closed loop keeps exactly N workflows in
/// flight (each loop starts a workflow, awaits its result, starts the next) until the duration is over, then waits for
/// the last ones. Throughput is completed workflows over the whole window, from the first start to the last result.
/// </summary>
internal static class ThroughputBench
{
    public static async Task<ThroughputResult> RunAsync(string dataDir, int concurrency, TimeSpan duration, bool eagerStart, BenchSettings? settings = null)
    {
        await using var client = DurableClient.Open(dataDir);
        settings?.Apply(client);
        var worker = new DurableWorker(client, WorkerOptions());
        var writer = ((SqliteWorkflowStore)client.Store).Writer;
        using var stop = new CancellationTokenSource();
        var running = worker.ExecuteAsync(stop.Token);
        try
        {
            StepClock.Reset();
            var commits0 = writer.Commits;
            var operations0 = writer.Operations;
            var pages0 = writer.PagesWritten;
            var (contentions0, items0) = (Monitor.LockContentionCount, ThreadPool.CompletedWorkItemCount);
            var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
            var cpu0 = ProcessCpu();
            var next = 0;
            var endToEnd = new List<double>[concurrency];
            var sw = Stopwatch.StartNew();
            var loops = Enumerable.Range(0, concurrency).Select(async loop =>
            {
                var mine = endToEnd[loop] = [];
                while (sw.Elapsed < duration)
                {
                    var n = Interlocked.Increment(ref next);
                    var started = Stopwatch.GetTimestamp();
                    var handle = await client.StartWorkflowAsync((ThreeStepWorkflow wf) => wf.RunAsync(n), new WorkflowOptions($"wf-{n}", BenchWorkflows.TaskQueue) { RequestEagerStart = eagerStart }).ConfigureAwait(false);
                    var result = await handle.GetResultAsync().ConfigureAwait(false);
                    if (result != n + 6)
                    {
                        throw new InvalidOperationException($"workflow wf-{n} returned {result}, expected {n + 6}");
                    }

                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }).ToArray();
            await Task.WhenAll(loops).ConfigureAwait(false);
            sw.Stop();
            var cpu = ProcessCpu() - cpu0;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
            var commits = writer.Commits - commits0;
            var operations = writer.Operations - operations0;
            var pages = writer.PagesWritten - pages0;
            var (contentions, items) = (Monitor.LockContentionCount - contentions0, ThreadPool.CompletedWorkItemCount - items0);
            var all = endToEnd.SelectMany(l => l).ToArray();
            return new ThroughputResult(concurrency, all.Length, sw.Elapsed.TotalSeconds, commits, operations, pages, contentions, items, ThreadPool.ThreadCount, allocated, cpu, StepClock.TakeMilliseconds(), all);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);
        }
    }

    /// <summary>The worker's options: the defaults, plus the workflow and its activities.</summary>
    public static DurableWorkerOptions WorkerOptions() =>
        new DurableWorkerOptions(BenchWorkflows.TaskQueue).AddWorkflow<ThreeStepWorkflow>().AddAllActivities(new BenchActivities());

    /// <summary>User + system CPU time of every thread of this process so far.</summary>
    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
