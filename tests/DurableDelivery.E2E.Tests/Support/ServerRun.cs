using System.Diagnostics;
using System.Text;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// The embedded Temporal server as users run it: a <c>ddctl server start-dev</c> process on a fixed loopback port with
/// its database in the test's folder. <see cref="KillAsync"/> SIGKILLs it; <see cref="StartAsync"/> again on the same
/// port and database is a restart after a crash.
/// </summary>
public sealed class ServerRun : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServerRun(int port, string database)
    {
        Address = $"127.0.0.1:{port}";
        process = Ddctl.Start(["server", "start-dev", "--port", $"{port}", "--db-filename", database, "--log-level", "warn"]);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Address { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Gets what the server printed so far, for failure messages.</summary>
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

    /// <summary>Starts the server and waits until it prints the address it serves.</summary>
    public static async Task<ServerRun> StartAsync(int port, string database)
    {
        var server = new ServerRun(port, database);
        try
        {
            await Eventually.EventuallyAsync(
                () => server.Output.Contains(" is running at ", StringComparison.Ordinal) || server.HasExited, TimeSpan.FromSeconds(30), "the server is up");
            server.HasExited.ShouldBeFalse($"the server exited at start:\n{server.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
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
    }

    private void Append(string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
