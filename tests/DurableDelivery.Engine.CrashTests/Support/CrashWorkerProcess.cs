using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace DurableDelivery.Engine.CrashTests.Support;

/// <summary>A DurableDelivery.CrashWorker child process: started on a data dir, optionally with a crash point, killed on dispose.</summary>
internal sealed class CrashWorkerProcess : IAsyncDisposable
{
    /// <summary>The exit code of a process killed by SIGKILL (128 + 9).</summary>
    public const int SigKillExitCode = 137;

    private static readonly string WorkerDll = typeof(CrashWorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CrashWorkerPath").Value!;

    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CrashWorkerProcess(Process process, string? crashPoint)
    {
        this.process = process;
        CrashPoint = crashPoint;
        StartedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Gets the crash point spec (<c>name:n</c>) the process runs with, if any.</summary>
    public string? CrashPoint { get; }

    /// <summary>Gets the process id (the pid recorded in the activity log).</summary>
    public int Pid => process.Id;

    /// <summary>Gets when the process was started (<see cref="Stopwatch"/> ticks).</summary>
    public long StartedAt { get; }

    /// <summary>Gets when the process printed "ready" (<see cref="Stopwatch"/> ticks), or 0.</summary>
    public long ReadyAt { get; private set; }

    /// <summary>Gets whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Gets a task that completes when the process exits.</summary>
    public Task Exited => process.WaitForExitAsync();

    /// <summary>Gets everything the process wrote so far, stdout and stderr interleaved as received.</summary>
    public string Output => string.Join('\n', output);

    /// <summary>Starts a worker on <paramref name="dataDir"/>; with <paramref name="crashPoint"/> (<c>name:n</c>) it SIGKILLs itself there.</summary>
    /// <param name="dataDir">The store's data dir.</param>
    /// <param name="crashPoint">Where the process SIGKILLs itself (<c>name:n</c>), or none.</param>
    /// <param name="pollInterval">How often the worker polls the store; the default is the engine's (50 ms).</param>
    public static CrashWorkerProcess Start(string dataDir, string? crashPoint = null, TimeSpan? pollInterval = null)
    {
        File.Exists(WorkerDll).ShouldBeTrue($"the crash worker must be built at {WorkerDll}");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WorkerDll);
        info.ArgumentList.Add("run");
        info.ArgumentList.Add(dataDir);
        info.Environment.Remove("DD_CRASH_POINT");
        info.Environment.Remove("DD_TEST_POLL_INTERVAL_MS");
        if (pollInterval is { } poll)
        {
            info.Environment["DD_TEST_POLL_INTERVAL_MS"] = ((long)poll.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (crashPoint is not null)
        {
            info.Environment["DD_CRASH_POINT"] = crashPoint;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new CrashWorkerProcess(process, crashPoint);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data, worker.stdoutClosed, stdout: true);
        process.ErrorDataReceived += (_, e) => worker.OnLine(e.Data, worker.stderrClosed, stdout: false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits until the worker prints "ready" or exits (a crash point can be reached before "ready" is seen).</summary>
    public async Task WaitReadyOrExitAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAny(ready.Task, Exited).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"worker {Pid} neither printed 'ready' nor exited within {timeout.TotalSeconds:0}s; output:\n{Output}");
        }
    }

    /// <summary>Waits for the process to exit and for its output to be read; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(Exited, stdoutClosed.Task, stderrClosed.Task).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"worker {Pid} (crash point {CrashPoint ?? "none"}) did not exit within {timeout.TotalSeconds:0}s; output:\n{Output}");
        }

        return process.ExitCode;
    }

    /// <summary>Kills the process with SIGKILL, no clean-up on its side.</summary>
    public void Kill() => process.Kill(entireProcessTree: true);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        process.Dispose();
    }

    private void OnLine(string? line, TaskCompletionSource closed, bool stdout)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        output.Enqueue(stdout ? line : "err: " + line);
        if (stdout && line.StartsWith("ready", StringComparison.Ordinal))
        {
            ReadyAt = Stopwatch.GetTimestamp();
            ready.TrySetResult();
        }
    }
}
