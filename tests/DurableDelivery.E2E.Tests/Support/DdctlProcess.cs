using System.Diagnostics;
using System.Text;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// A long-running ddctl child process (a server or a worker) whose stdout and stderr are kept, interleaved, for
/// readiness checks and failure messages. <see cref="KillAsync"/> SIGKILLs it; disposing kills it too.
/// </summary>
public abstract class DdctlProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    protected DdctlProcess(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        process = Ddctl.Start(args, environment);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool HasExited => process.HasExited;

    /// <summary>Gets what the process printed so far (stdout and stderr interleaved), for failure messages.</summary>
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

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Waits until the process printed <paramref name="marker"/> (then it is ready), failing when it exits first.</summary>
    protected async Task WaitForOutputAsync(string marker, string what)
    {
        try
        {
            await Eventually.EventuallyAsync(() => Output.Contains(marker, StringComparison.Ordinal) || HasExited, TimeSpan.FromSeconds(30), what);
            HasExited.ShouldBeFalse($"it exited at start:\n{Output}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the process exited by itself.</summary>
    protected async Task WaitForExitAsync(TimeSpan deadline, string what)
    {
        await Eventually.EventuallyAsync(() => process.HasExited, deadline, what);
        await process.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
