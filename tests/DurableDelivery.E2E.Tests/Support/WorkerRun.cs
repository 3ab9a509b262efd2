using System.Diagnostics;
using System.Text;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// One <c>ddctl worker run</c> process on a data dir, optionally armed with a crash point
/// (<c>DD_CRASH_POINT=&lt;name&gt;:&lt;n&gt;</c>: the worker SIGKILLs itself the n-th time one of its activities passes the
/// point, see src/DurableDelivery.Cli/Worker/CrashPoints.cs). Killed with SIGKILL by <see cref="KillAsync"/> and on dispose.
/// </summary>
/// <remarks>The CLI tests' WorkerProcess cannot pass an environment variable to the worker, hence this class.</remarks>
public sealed class WorkerRun : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private WorkerRun(string dataDir, string? crashPoint)
    {
        CrashPoint = crashPoint;
        process = Ddctl.Start(["worker", "run", "--data-dir", dataDir], crashPoint is null ? null : new Dictionary<string, string?> { ["DD_CRASH_POINT"] = crashPoint });
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Gets the crash point the worker was armed with, if any.</summary>
    public string? CrashPoint { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Gets what the worker printed so far (stdout and stderr interleaved), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts a worker and waits until it prints its ready line (it polls from then on).</summary>
    public static async Task<WorkerRun> StartAsync(string dataDir, string? crashPoint = null)
    {
        var worker = new WorkerRun(dataDir, crashPoint);
        try
        {
            await Eventually.EventuallyAsync(
                () => worker.Output.Contains("worker ready:", StringComparison.Ordinal) || worker.HasExited, TimeSpan.FromSeconds(30), "the worker is ready");
            worker.HasExited.ShouldBeFalse($"the worker exited at start:\n{worker.Output}");
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits for the worker to kill itself at its crash point.</summary>
    public async Task WaitForCrashAsync(TimeSpan deadline)
    {
        await Eventually.EventuallyAsync(() => process.HasExited, deadline, $"the worker dies at DD_CRASH_POINT={CrashPoint}; output:\n{Output}");
        await process.WaitForExitAsync();
        Output.ShouldContain($"crash point {CrashPoint} reached at activity ", customMessage: "the worker died at its crash point, not of something else");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
