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

    /// <summary>A loopback port that is free now (the OS picks it; a tiny race with other processes remains).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
