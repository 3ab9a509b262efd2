using System.Diagnostics;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Bench;

/// <summary>The outcome of one resume run.</summary>
internal sealed record ResumeResult(int Workflows, double ReadyMs, double ResumedMs);

/// <summary>
/// Figure 4. Starts N <see cref="HoldWorkflow"/>s; a worker child process runs each one's first activity and then holds
/// its second activity in flight; once all N are held the parent SIGKILLs the child. The parent then starts a fresh worker
/// process and measures from just before <see cref="Process.Start()"/> until it sees, in the store, all N runs
/// Completed (the dead worker's attempts were taken over, each second activity ran again, and each workflow was rebuilt by
/// replay from its history and committed its result).
/// </summary>
internal static class ResumeBench
{
    public const string Definition =
        "resume = wall time from starting a fresh worker process (just before Process.Start) until the parent, polling the store every 2 ms, " +
        "sees all N workflows Completed. Before that, a first worker process completed each workflow's first activity, had its second activity " +
        "in flight (N attempts owned by that worker) and was SIGKILLed. So resume covers process start-up, reaping the dead worker's leases, " +
        "re-running N activity attempts, replaying N histories and committing N results.";

    public static async Task<ResumeResult> RunAsync(string dataDir, int count, BenchSettings? settings = null)
    {
        await using (var client = DurableClient.Open(dataDir))
        {
            settings?.Apply(client);
            await Task.WhenAll(Enumerable.Range(1, count).Select(n =>
                client.StartWorkflowAsync((HoldWorkflow wf) => wf.RunAsync(n), new WorkflowOptions($"hold-{n}", BenchWorkflows.TaskQueue)))).ConfigureAwait(false);
        }

        using (var holder = StartChild(dataDir, "hold", count))
        {
            await WaitForLineAsync(holder, $"holding {count}", TimeSpan.FromSeconds(120), Stopwatch.StartNew()).ConfigureAwait(false);

            // Process.Kill sends SIGKILL on Unix: no shutdown code runs.
            holder.Kill();
            await holder.WaitForExitAsync().ConfigureAwait(false);
        }

        if (CountCompleted(dataDir) != 0)
        {
            throw new InvalidOperationException("some workflows completed before the kill; the measurement would be wrong");
        }

        var sw = Stopwatch.StartNew();
        using var resumer = StartChild(dataDir, "resume", 0);
        try
        {
            var readyTask = WaitForLineAsync(resumer, "ready", TimeSpan.FromSeconds(60), sw);
            double readyMs = double.NaN;
            while (CountCompleted(dataDir) < count)
            {
                if (readyTask.IsCompletedSuccessfully && double.IsNaN(readyMs))
                {
                    readyMs = readyTask.Result.TotalMilliseconds;
                }

                if (sw.Elapsed > TimeSpan.FromSeconds(120) || resumer.HasExited)
                {
                    throw new InvalidOperationException($"resume did not finish: {CountCompleted(dataDir)} of {count} completed after {sw.Elapsed.TotalSeconds:0.0}s");
                }

                await Task.Delay(2).ConfigureAwait(false);
            }

            var resumedMs = sw.Elapsed.TotalMilliseconds;
            if (double.IsNaN(readyMs))
            {
                readyMs = (await readyTask.ConfigureAwait(false)).TotalMilliseconds;
            }

            return new ResumeResult(count, readyMs, resumedMs);
        }
        finally
        {
            resumer.Kill();
            await resumer.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static Process StartChild(string dataDir, string mode, int expectedHolds)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this executable");
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Run as `dotnet DurableDelivery.Bench.dll`: the child is the same dll.
            psi.ArgumentList.Add(typeof(ResumeBench).Assembly.Location);
        }

        foreach (var a in new[] { "worker", dataDir, mode, expectedHolds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("could not start the worker child process");
    }

    /// <summary>Reads the child's stdout until <paramref name="line"/>; returns when it came, on <paramref name="clock"/>.</summary>
    private static async Task<TimeSpan> WaitForLineAsync(Process p, string line, TimeSpan timeout, Stopwatch clock)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var read = await p.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"the worker child exited before printing '{line}'");
            if (read.StartsWith(line, StringComparison.Ordinal))
            {
                return clock.Elapsed;
            }
        }
    }

    private static long CountCompleted(string dataDir)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDir, "engine.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        using var conn = new SqliteConnection(cs);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM runs WHERE status=$s";
        cmd.Parameters.AddWithValue("$s", (int)WorkflowExecutionStatus.Completed);
        return (long)cmd.ExecuteScalar()!;
    }
}
