using System.Globalization;
using DurableDelivery.Cli.Common;
using DurableDelivery.Cli.Server;
using DurableDelivery.Server.Hosting;
using DurableDelivery.Workflows;
using Microsoft.Extensions.Logging;
using Temporalio.Client;
using TemporalConnection = DurableDelivery.Cli.Common.TemporalConnection;
using Temporalio.Common.EnvConfig;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// The Temporal server the demo runs on, and its client: the embedded server started in this process (its database
/// <c>&lt;data-dir&gt;/temporal.db</c>, on 7233 when that is free, else on a free loopback port), stopped when the demo
/// ends; or a server already running at <c>--address</c>, which the demo only uses.
/// </summary>
internal sealed class DemoServer
{
    private readonly TemporalServer? embedded;

    private DemoServer(TemporalClient client, string address, TemporalServer? embedded, string? adjustment)
    {
        Client = client;
        Address = address;
        this.embedded = embedded;
        Adjustment = adjustment;
        AddressOption = NeedsAddress(address) ? $" --address {address}" : string.Empty;
    }

    /// <summary>Gets the port of <see cref="TemporalConnection.DefaultAddress"/> (7233, Temporal's), which the embedded server takes when it is free.</summary>
    public static int DefaultPort { get; } = int.Parse(TemporalConnection.DefaultAddress[(TemporalConnection.DefaultAddress.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>Gets the client every call of the demo goes through (the product's data converter).</summary>
    public TemporalClient Client { get; }

    /// <summary>Gets the server's address, host:port.</summary>
    public string Address { get; }

    /// <summary>Gets a value indicating whether the server runs in this process (started by the demo, stopped at its end).</summary>
    public bool Embedded => embedded is not null;

    /// <summary>Gets the embedded server's database; null for a server given by --address.</summary>
    public string? DatabasePath => embedded?.DatabasePath;

    /// <summary>Gets what differs from the default (7233 was taken), as one sentence, or null.</summary>
    public string? Adjustment { get; }

    /// <summary>Gets <c>--address host:port</c> for the printed ddctl and temporal CLI commands, or nothing when they reach this server without it.</summary>
    public string AddressOption { get; }

    /// <summary>Gets the embedded server's port.</summary>
    public int Port => int.Parse(Address[(Address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>
    /// Connects to the server at <paramref name="address"/> when one is given (exit 3 when nothing answers there),
    /// else starts the embedded server on <paramref name="port"/> (null: 7233 when free, else a free one; exit 3 when
    /// it cannot listen) with its database in <paramref name="dataDir"/>.
    /// </summary>
    public static async Task<DemoServer> StartAsync(string? address, int? port, string dataDir, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        if (address is not null)
        {
            if (!await TemporalConnection.AcceptsAsync(address, ct))
            {
                throw new CliException(
                    ExitCodes.StoreProblem,
                    $"nothing answers at --address {address}; start a server there first (ddctl server start-dev --port {address[(address.LastIndexOf(':') + 1)..]}), or leave --address out and the demo runs its own.");
            }

            return new DemoServer(await ConnectAsync(address, ct), address, null, null);
        }

        var database = Path.Combine(dataDir, ServerCommands.DatabaseFile);
        TemporalServer server;
        string? adjustment = null;
        try
        {
            server = await StartEmbeddedAsync(port ?? DefaultPort, database, loggerFactory, ct);
        }
        catch (IOException) when (port is null)
        {
            server = await StartEmbeddedAsync(0, database, loggerFactory, ct);
            adjustment = $"{TemporalConnection.DefaultAddress} is taken (another Temporal server?), so the demo's server listens on {server.Target}; "
                + $"to run the demo on that one instead: --address {TemporalConnection.DefaultAddress}";
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.StoreProblem, $"the embedded Temporal server did not start: {e.Message}");
        }

        try
        {
            return new DemoServer(await ConnectAsync(server.Target, ct), server.Target, server, adjustment);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the embedded server (the database stays); a server given by --address is left as it is.</summary>
    /// <returns>What was done, for the cleanup line.</returns>
    public async Task<string> StopAsync()
    {
        if (embedded is null)
        {
            return $"the Temporal server at {Address} left running (the demo did not start it)";
        }

        await embedded.DisposeAsync();
        return $"Temporal server {Address} stopped (its database stays: {DemoInputs.Shown(embedded.DatabasePath)})";
    }

    /// <summary>Whether ddctl and the temporal CLI need <c>--address</c> to reach <paramref name="address"/>: it is not the default, or TEMPORAL_ADDRESS or a temporal.toml profile points elsewhere.</summary>
    private static bool NeedsAddress(string address)
    {
        if (address != TemporalConnection.DefaultAddress)
        {
            return true;
        }

        try
        {
            return ClientEnvConfig.Profile.Load(new ClientEnvConfig.ProfileLoadOptions()).Address is { Length: > 0 } configured && configured != address;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
        {
            // A broken configuration breaks the printed commands anyway; spelling the address out cannot hurt.
            return true;
        }
    }

    private static async Task<TemporalServer> StartEmbeddedAsync(int port, string database, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        try
        {
            return await TemporalServer.StartAsync(new TemporalServerOptions { Ip = "127.0.0.1", Port = port, DatabasePath = database, LoggerFactory = loggerFactory }, ct);
        }
        catch (ArgumentException e)
        {
            throw CliException.BadInput($"the embedded Temporal server cannot start: {e.Message}");
        }
    }

    private static Task<TemporalClient> ConnectAsync(string address, CancellationToken ct) =>
        TemporalConnection.ConnectAsync(
            new TemporalClientConnectOptions(address)
            {
                Namespace = TemporalConnection.DefaultNamespace,
                DataConverter = DeliveryDataConverter.Instance,
                Identity = $"ddctl-demo@{Environment.MachineName}:{Environment.ProcessId}",
            },
            ct);
}
