namespace DurableDelivery.Cli.Tests.Support;

/// <summary>A <c>ddctl worker run</c> child process; disposing it kills it (no leaked processes).</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly TaskCompletionSource<string> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly BackgroundDdctl process;

    private WorkerProcess(string dataDir, string taskQueue, IReadOnlyDictionary<string, string?>? environment)
    {
        process = new BackgroundDdctl(["worker", "run", "--data-dir", dataDir, "--task-queue", taskQueue], line =>
        {
            if (line is null)
            {
                ready.TrySetException(new InvalidOperationException($"worker exited before it was ready:\n{Stderr}"));
            }
            else if (line.StartsWith("worker ready:", StringComparison.Ordinal))
            {
                ready.TrySetResult(line);
            }
        }, environment);
    }

    public string Stdout => process.Stdout;

    public string Stderr => process.Stderr;

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string ReadyLine => ready.Task.IsCompletedSuccessfully ? ready.Task.Result : throw new InvalidOperationException("not ready");

    /// <summary>Starts a worker on <paramref name="dataDir"/> and waits (with a deadline) for its ready line.</summary>
    public static async Task<WorkerProcess> StartAsync(string dataDir, string taskQueue = "default", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var worker = new WorkerProcess(dataDir, taskQueue, environment);
        try
        {
            await worker.ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>Sends SIGTERM and waits for the process to exit.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        Posix.Terminate(process.Id);
        await process.WaitForExitAsync().WaitAsync(timeout);
        return process.ExitCode;
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
