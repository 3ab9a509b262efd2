namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// The embedded Temporal server as users run it: a <c>ddctl server start-dev</c> process on a fixed loopback port with
/// its database in the test's folder. <see cref="DdctlProcess.KillAsync"/> SIGKILLs it; <see cref="StartAsync"/> again on
/// the same port and database is a restart after a crash.
/// </summary>
public sealed class ServerRun : DdctlProcess
{
    private ServerRun(int port, string database)
        : base(["server", "start-dev", "--port", $"{port}", "--db-filename", database, "--log-level", "warn"]) =>
        Address = $"127.0.0.1:{port}";

    public string Address { get; }

    /// <summary>Starts the server and waits until it prints the address it serves.</summary>
    public static async Task<ServerRun> StartAsync(int port, string database)
    {
        var server = new ServerRun(port, database);
        await server.WaitForOutputAsync(" is running at ", "the server is up");
        return server;
    }
}
