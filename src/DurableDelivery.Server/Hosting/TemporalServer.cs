using System.Net;
using DurableDelivery.Server.Frontend;
using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.History;
using DurableDelivery.Server.Matching;
using DurableDelivery.Server.Persistence;
using DurableDelivery.Server.Time;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableDelivery.Server.Hosting;

/// <summary>
/// An embedded, single-node Temporal server: Temporal's gRPC frontend (WorkflowService, OperatorService and, with
/// time skipping, TestService) over HTTP/2 without TLS, on one SQLite file. Start it, point a Temporalio client or
/// worker at <see cref="Target"/>, dispose it to stop.
/// </summary>
public sealed class TemporalServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HistoryEngine engine;
    private readonly SqliteStore store;
    private readonly string? temporaryDatabase;
    private int disposed;

    private TemporalServer(WebApplication app, HistoryEngine engine, SqliteStore store, string? temporaryDatabase,
        string target)
    {
        this.app = app;
        this.engine = engine;
        this.store = store;
        this.temporaryDatabase = temporaryDatabase;
        Target = target;
    }

    /// <summary>The address for clients and workers (<c>host:port</c>), as the temporal CLI prints it.</summary>
    public string Target { get; }

    /// <summary>Activity attempts this server started eagerly (handed back in a workflow task's completion).</summary>
    internal long EagerActivityStarts => engine.EagerActivityStarts;

    /// <summary>Runs whose first workflow task went back in the start's response (eager workflow start).</summary>
    internal long EagerWorkflowStarts => engine.EagerWorkflowStarts;

    /// <summary>Workflow tasks handed back in a completion's response (return_new_workflow_task).</summary>
    internal long ReturnedNewWorkflowTasks => engine.ReturnedNewWorkflowTasks;

    /// <summary>History long polls waiting for a new event now.</summary>
    internal int WaitingHistoryPolls => engine.WaitingHistoryPolls;

    /// <summary>The SQLite file the server runs on.</summary>
    public string DatabasePath => store.Path;

    /// <summary>Starts a server and returns once it accepts calls.</summary>
    /// <exception cref="ArgumentException">The options are wrong (the message names each problem).</exception>
    /// <exception cref="IOException">The port is taken or the database cannot be opened.</exception>
    public static async Task<TemporalServer> StartAsync(TemporalServerOptions options, CancellationToken ct = default)
    {
        options = options with { Namespaces = [.. options.Namespaces] };
        options.Validate();
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        string? temporary = null;
        var path = options.DatabasePath;
        if (path is null)
        {
            temporary = Path.Combine(Path.GetTempPath(), $"dd-temporal-{Guid.NewGuid():N}.db");
            path = temporary;
        }

        var startup = System.Diagnostics.Stopwatch.StartNew();
        var store = new SqliteStore(path, loggerFactory.CreateLogger<SqliteStore>());
        var clock = new ServerClock(TimeProvider.System, options.TimeSkipping, options.StartLocked);
        var limits = new ServerLimits { LongPollTimeout = options.LongPollTimeout };
        var matching = new TaskQueueManager(TimeProvider.System);
        var engine = new HistoryEngine(store, clock, matching, limits, loggerFactory.CreateLogger<HistoryEngine>());
        try
        {
            engine.Recover(options.Namespaces);
            var recovered = startup.Elapsed;
            // The empty builder reads no appsettings files and so sets up no file watcher (the slim builder's watched
            // the working directory and every directory under it: seconds when started from a repository root).
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore();
            builder.Services.AddRoutingCore();
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            builder.WebHost.ConfigureKestrel(k =>
            {
                // No stream limit per connection, as grpc-go (Temporal's frontend) has none: the SDK multiplexes every call of a client
                // on one connection, and with a limit the workers' polls wait behind a thousand result long polls.
                k.Limits.Http2.MaxStreamsPerConnection = int.MaxValue;
                k.Limits.MaxRequestBodySize = null;
                var address = options.Ip == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Ip);
                k.Listen(address, options.Port, o => o.Protocols = HttpProtocols.Http2);
            });
            builder.Services.AddGrpc(o =>
            {
                o.MaxReceiveMessageSize = 64 * 1024 * 1024;
                o.MaxSendMessageSize = 128 * 1024 * 1024;
                o.EnableDetailedErrors = true;
                if (loggerFactory.CreateLogger<RpcLoggingInterceptor>().IsEnabled(LogLevel.Debug))
                {
                    // Only when its lines would be written: every interceptor adds a layer to every call.
                    o.Interceptors.Add<RpcLoggingInterceptor>();
                }
            });
            builder.Services.AddSingleton(engine);
            builder.Services.AddSingleton<WorkflowServiceFrontend>();
            builder.Services.AddSingleton<OperatorServiceFrontend>();
            builder.Services.AddSingleton<TestServiceFrontend>();
            builder.Services.AddSingleton<IServiceMethodProvider<WorkflowServiceFrontend>>(
                ServiceBinder<WorkflowServiceFrontend>.For<Temporalio.Client.WorkflowService>(
                    TemporalServiceNames.WorkflowService));
            builder.Services.AddSingleton<IServiceMethodProvider<OperatorServiceFrontend>>(
                ServiceBinder<OperatorServiceFrontend>.For<Temporalio.Client.OperatorService>(
                    TemporalServiceNames.OperatorService));
            builder.Services.AddSingleton<IServiceMethodProvider<TestServiceFrontend>>(
                ServiceBinder<TestServiceFrontend>.For<Temporalio.Client.TestService>(
                    TemporalServiceNames.TestService));
            var app = builder.Build();
            app.MapGrpcService<WorkflowServiceFrontend>();
            app.MapGrpcService<OperatorServiceFrontend>();
            app.MapGrpcService<TestServiceFrontend>();
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw new IOException(
                    $"cannot listen on {options.Ip}:{options.Port}: {ex.Message.TrimEnd('.')}; is another server running there? "
                    + "Pick another port (--port) or stop the other one.", ex);
            }

            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
                .Addresses.First();
            var port = new Uri(bound).Port;
            var host = options.Ip == "0.0.0.0" ? "127.0.0.1" : options.Ip;
            loggerFactory.CreateLogger<TemporalServer>().LogDebug(
                "Listening after {Total} ms (database opened and state recovered in {Recovered} ms)",
                (int)startup.Elapsed.TotalMilliseconds, (int)recovered.TotalMilliseconds);
            return new TemporalServer(app, engine, store, temporary, $"{host}:{port}");
        }
        catch
        {
            await engine.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops serving, finishes pending commits and closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try
            {
                await app.StopAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await app.DisposeAsync().ConfigureAwait(false);
        await engine.DisposeAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
        if (temporaryDatabase is not null)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(temporaryDatabase + suffix);
            }
        }
    }
}
