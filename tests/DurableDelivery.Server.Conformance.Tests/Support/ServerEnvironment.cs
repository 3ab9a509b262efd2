using DurableDelivery.Server.Hosting;
using Microsoft.Extensions.Logging;
using Temporalio.Client;
using Temporalio.Worker;

namespace DurableDelivery.Server.Conformance.Tests.Support;

/// <summary>
/// Shaped like Temporalio.Testing.WorkflowEnvironment: an embedded server in this process on a free port, and a
/// connected client. With time skipping, the client's result waits unlock skipping as the SDK's test server does.
/// </summary>
public sealed class ServerEnvironment : IAsyncDisposable
{
    private readonly ILoggerFactory? loggerFactory;

    private ServerEnvironment(TemporalServer server, TemporalClient client, ILoggerFactory? loggerFactory)
    {
        Server = server;
        Client = client;
        this.loggerFactory = loggerFactory;
    }

    /// <summary>The server.</summary>
    public TemporalServer Server { get; }

    /// <summary>A client connected to it (namespace default).</summary>
    public TemporalClient Client { get; }

    /// <summary>Starts a server (free port, temporary database unless given) and connects a client.</summary>
    /// <param name="timeSkipping">Serve the test service and skip time when nothing is outstanding.</param>
    /// <param name="databasePath">The SQLite file; null for a temporary one.</param>
    /// <param name="namespaces">Namespaces besides <c>default</c>.</param>
    /// <param name="startLocked">With time skipping, start with skipping locked, as the SDK's test server does.</param>
    public static async Task<ServerEnvironment> StartAsync(
        bool timeSkipping = false, string? databasePath = null, IReadOnlyList<string>? namespaces = null,
        bool startLocked = false)
    {
        var loggerFactory = FileLoggerProvider.FromEnvironment();
        var server = await TemporalServer.StartAsync(new TemporalServerOptions
        {
            Port = 0,
            TimeSkipping = timeSkipping,
            StartLocked = startLocked,
            DatabasePath = databasePath,
            Namespaces = namespaces ?? [],
            LoggerFactory = loggerFactory,
        });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Target));
        return new ServerEnvironment(server, client, loggerFactory);
    }

    /// <summary>A unique task queue name for one test.</summary>
    public static string NewTaskQueue(string test) => $"{test}-{Guid.NewGuid():N}";

    /// <summary>Starts a worker on a task queue with the given workflows and activities.</summary>
    public TemporalWorker NewWorker(string taskQueue, Action<TemporalWorkerOptions> configure)
    {
        var options = new TemporalWorkerOptions(taskQueue);
        configure(options);
        return new TemporalWorker(Client, options);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        loggerFactory?.Dispose();
    }
}
