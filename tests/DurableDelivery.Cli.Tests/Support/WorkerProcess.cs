using System.Diagnostics;
using System.Text;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>A <c>ddctl worker run</c> child process; disposing it kills it (no leaked processes).</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly TaskCompletionSource<string> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"worker exited before it was ready:\n{Stderr}"));
                return;
            }

            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            if (e.Data.StartsWith("worker ready:", StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout
    {
        get
        {
            lock (stdout)
            {
                return stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string ReadyLine => ready.Task.IsCompletedSuccessfully ? ready.Task.Result : throw new InvalidOperationException("not ready");

    /// <summary>Starts a worker on <paramref name="dataDir"/> and waits (with a deadline) for its ready line.</summary>
    public static async Task<WorkerProcess> StartAsync(string dataDir, string taskQueue = "default")
    {
        var worker = new WorkerProcess(Ddctl.Start(["worker", "run", "--data-dir", dataDir, "--task-queue", taskQueue]));
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

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        process.Dispose();
    }
}
