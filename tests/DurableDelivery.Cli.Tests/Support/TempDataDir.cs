using System.Collections.Concurrent;
using DurableDelivery.Server.Hosting;
using DurableDelivery.Workflows;
using Temporalio.Client;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>
/// A fresh directory under the system temp folder, deleted on dispose, with its own embedded Temporal server (this
/// process, a free loopback port, its database beside the data dir), started the first time a ddctl run names the data
/// dir. <see cref="Ddctl"/> points such a run at it through <c>TEMPORAL_ADDRESS</c>, as a user's shell would, so tests of
/// different data dirs never share workflows.
/// </summary>
public sealed class TempDataDir : IDisposable
{
    private static readonly ConcurrentDictionary<string, TempDataDir> ByPath = new(StringComparer.Ordinal);
    private readonly Lazy<TemporalServer> server;
    private string? externalAddress;

    public TempDataDir()
    {
        Root = Directory.CreateTempSubdirectory("ddctl-tests-").FullName;
        Path = System.IO.Path.Combine(Root, "data");
        server = new Lazy<TemporalServer>(() => Task.Run(() => TemporalServer.StartAsync(new TemporalServerOptions
        {
            Port = 0,
            DatabasePath = System.IO.Path.Combine(Root, "temporal.db"),
        })).GetAwaiter().GetResult());
        ByPath[Path] = this;
    }

    /// <summary>Gets the parent folder (tests may put other files here).</summary>
    public string Root { get; }

    /// <summary>Gets the data dir path (not created: the worker or the test creates it).</summary>
    public string Path { get; }

    /// <summary>Gets the address of this data dir's server (starting the in-process one unless <see cref="UseServerAt"/> named another).</summary>
    public string Address => externalAddress ?? server.Value.Target;

    /// <summary>Points this data dir's ddctl runs at a server run elsewhere (a server process the test can SIGKILL) instead of the in-process one.</summary>
    public void UseServerAt(string address) => externalAddress = address;

    /// <summary>Connects a client of namespace default to this data dir's server, with the product's data converter.</summary>
    public Task<TemporalClient> ConnectAsync() =>
        TemporalClient.ConnectAsync(new TemporalClientConnectOptions(Address) { DataConverter = DeliveryDataConverter.Instance });

    /// <summary>The test data dir at <paramref name="path"/>.</summary>
    internal static TempDataDir For(string path) =>
        ByPath.TryGetValue(path, out var dir) ? dir : throw new InvalidOperationException($"{path} is not a TempDataDir's data dir");

    /// <summary>The server address for a run of ddctl with these arguments: that of the data dir they name, if it is one of ours.</summary>
    internal static string? AddressFor(IReadOnlyList<string> args)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] == "--data-dir" && ByPath.TryGetValue(args[i + 1], out var dir))
            {
                return dir.Address;
            }
        }

        return null;
    }

    public void Dispose()
    {
        ByPath.TryRemove(Path, out _);
        if (server.IsValueCreated)
        {
            Task.Run(() => server.Value.DisposeAsync().AsTask()).GetAwaiter().GetResult();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the OS temp cleaner gets it.
        }
    }
}
