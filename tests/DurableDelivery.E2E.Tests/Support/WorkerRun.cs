namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// One <c>ddctl worker run</c> process on a data dir, optionally armed with a crash point
/// (<c>DD_CRASH_POINT=&lt;point&gt;:[&lt;activity&gt;:]&lt;n&gt;</c>: the worker SIGKILLs itself the n-th time one of its activities
/// passes the point, see src/DurableDelivery.Cli/Worker/CrashPoints.cs). Killed with SIGKILL by <see cref="DdctlProcess.KillAsync"/> and on dispose.
/// </summary>
/// <remarks>The CLI tests' WorkerProcess cannot pass an environment variable to the worker, hence this class.</remarks>
public sealed class WorkerRun : DdctlProcess
{
    private WorkerRun(string dataDir, string? crashPoint)
        : base(["worker", "run", "--data-dir", dataDir], crashPoint is null ? null : new Dictionary<string, string?> { ["DD_CRASH_POINT"] = crashPoint }) =>
        CrashPoint = crashPoint;

    /// <summary>Gets the crash point the worker was armed with, if any.</summary>
    public string? CrashPoint { get; }

    /// <summary>Starts a worker and waits until it prints its ready line (the server has seen its polls).</summary>
    public static async Task<WorkerRun> StartAsync(string dataDir, string? crashPoint = null)
    {
        var worker = new WorkerRun(dataDir, crashPoint);
        await worker.WaitForOutputAsync("worker ready:", "the worker is ready");
        return worker;
    }

    /// <summary>Waits for the worker to kill itself at its crash point.</summary>
    public async Task WaitForCrashAsync(TimeSpan deadline)
    {
        await WaitForExitAsync(deadline, $"the worker dies at DD_CRASH_POINT={CrashPoint}; output:\n{Output}");
        Output.ShouldContain($"crash point {CrashPoint} reached at activity ", customMessage: "the worker died at its crash point, not of something else");
    }
}
