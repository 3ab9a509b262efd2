using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary><c>dd-temporal-server server start-dev</c> as a child process on a given port and SQLite file.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    /// <summary>How long a start may take on a loaded machine (2 cores shared with other test runs).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private ServerProcess(ChildProcess child, string target)
    {
        Child = child;
        Target = target;
    }

    /// <summary>The process.</summary>
    public ChildProcess Child { get; }

    /// <summary>The address the server printed (<c>host:port</c>).</summary>
    public string Target { get; }

    /// <summary>Starts the server and waits for its address line.</summary>
    public static async Task<ServerProcess> StartAsync(int port, string databaseFile)
    {
        var child = Run("server", "start-dev", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--db-filename", databaseFile, "--log-level", "warn");
        try
        {
            var line = await child.WaitForLineAsync(l => AddressLine().IsMatch(l), StartTimeout, "address line");
            return new ServerProcess(child, AddressLine().Match(line).Groups["target"].Value);
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the server executable with any arguments.</summary>
    public static ChildProcess Run(params string[] args) =>
        ChildProcess.Start(ServerExecutable.Path, args, ServerExecutable.Name);

    /// <summary>A TCP port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Matches the line the server prints once it accepts calls.</summary>
    [GeneratedRegex(@"is running at (?<target>[0-9.]+:[0-9]+)")]
    public static partial Regex AddressLine();

    /// <summary>SIGKILLs the server and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        Child.Kill();
        await Child.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Child.DisposeAsync();
}
