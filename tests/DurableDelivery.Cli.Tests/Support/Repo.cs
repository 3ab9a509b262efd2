using System.Net;
using System.Net.Sockets;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Paths in the repository the tests run from, and a free loopback port.</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>Gets the folder that holds DurableDelivery.sln.</summary>
    public static string Root => RootPath.Value;

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static int nextPort = 20_000 + (Environment.ProcessId * 7919 % 10_000);

    /// <summary>
    /// A loopback port that is free now, below the OS's ephemeral range (32768 and up here): a port the OS handed out for
    /// port 0 could be handed out again to any process's port-0 bind or outgoing connection before the caller binds it,
    /// which happened in CI (a delivery's listener port taken by another process). Ports here are never handed out by
    /// the OS; each process walks its own sequence (seeded by its pid) and skips ports in use.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        for (var tries = 0; tries < 2_000; tries++)
        {
            var port = 20_000 + ((Interlocked.Increment(ref nextPort) - 20_000) % 12_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free loopback port between 20000 and 31999");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "DurableDelivery.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"DurableDelivery.sln not found above {AppContext.BaseDirectory}");
    }
}
