using DurableDelivery.Workflows;
using DurableDelivery.Server.Hosting;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.TestService.V1;
using Temporalio.Client;

namespace DurableDelivery.Workflows.Tests.Support;

/// <summary>
/// The embedded Temporal server in this process (free port, temporary database) with time skipping, and a connected
/// Temporalio client. Time skips whenever nothing is outstanding unless skipping is locked, as in Temporal's test server;
/// the lock, sleep and clock calls go through Temporal's test service like any client's.
/// </summary>
internal sealed class TestTemporal : IAsyncDisposable
{
    private bool autoTimeSkipping;

    private TestTemporal(TemporalServer server, TemporalClient client, bool autoTimeSkipping)
    {
        Server = server;
        Client = client;
        this.autoTimeSkipping = autoTimeSkipping;
    }

    /// <summary>The server.</summary>
    public TemporalServer Server { get; }

    /// <summary>A client of namespace <c>default</c>.</summary>
    public TemporalClient Client { get; }

    /// <summary>Starts a server with time skipping on (or locked when <paramref name="autoTimeSkipping"/> is false).</summary>
    public static async Task<TestTemporal> StartAsync(bool autoTimeSkipping = true)
    {
        var server = await TemporalServer.StartAsync(new TemporalServerOptions
        {
            Port = 0,
            TimeSkipping = true,
            StartLocked = !autoTimeSkipping,
        });
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Target) { DataConverter = DeliveryDataConverter.Instance });
        return new TestTemporal(server, client, autoTimeSkipping);
    }

    /// <summary>Turns skipping on (unlock) or off (lock).</summary>
    public async Task SetAutoTimeSkippingAsync(bool on)
    {
        if (on == autoTimeSkipping)
        {
            return;
        }

        if (on)
        {
            await Client.Connection.TestService.UnlockTimeSkippingAsync(new UnlockTimeSkippingRequest());
        }
        else
        {
            await Client.Connection.TestService.LockTimeSkippingAsync(new LockTimeSkippingRequest());
        }

        autoTimeSkipping = on;
    }

    /// <summary>Lets the server clock move by <paramref name="duration"/> (skipping if nothing is outstanding).</summary>
    public async Task DelayAsync(TimeSpan duration)
    {
        var request = new SleepRequest { Duration = Duration.FromTimeSpan(duration) };
        if (autoTimeSkipping)
        {
            await Client.Connection.TestService.SleepAsync(request);
        }
        else
        {
            await Client.Connection.TestService.UnlockTimeSkippingWithSleepAsync(request);
        }
    }

    /// <summary>The server's current time.</summary>
    public async Task<DateTimeOffset> NowAsync() =>
        (await Client.Connection.TestService.GetCurrentTimeAsync(new Empty())).Time.ToDateTimeOffset();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
