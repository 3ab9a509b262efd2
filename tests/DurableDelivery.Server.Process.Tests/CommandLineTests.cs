using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DurableDelivery.Server.Process.Tests.Support;
using Temporalio.Client;

namespace DurableDelivery.Server.Process.Tests;

/// <summary><c>dd-temporal-server server start-dev</c> as a user runs it: address line, exit codes, messages.</summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private readonly string directory = Directory.CreateTempSubdirectory("dd-server-cli-").FullName;

    [Fact]
    public async Task StartDev_PrintsTheAddressLine_AndServesThere()
    {
        var port = ServerProcess.FreePort();
        var db = Path.Combine(directory, "server.db");
        await using var server = await ServerProcess.StartAsync(port, db);

        server.Target.ShouldBe($"127.0.0.1:{port}");
        var line = server.Child.StdoutLines.Single(l => ServerProcess.AddressLine().IsMatch(l));
        line.ShouldContain(db);
        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Target));
        var described = await client.Connection.WorkflowService.DescribeNamespaceAsync(
            new() { Namespace = "default" });
        described.NamespaceInfo.Name.ShouldBe("default");
        File.Exists(db).ShouldBeTrue();
    }

    [Fact]
    public async Task StartDev_UnknownFlag_Exits2WithOneLineNamingTheFlag()
    {
        await using var child = ServerProcess.Run("server", "start-dev", "--port", "0", "--no-such-flag", "x");

        (await child.WaitForExitAsync(ExitTimeout)).ShouldBe(2);
        var error = child.StderrLines.ShouldHaveSingleItem();
        error.ShouldContain("--no-such-flag");
        child.StdoutLines.ShouldBeEmpty();
    }

    [Fact]
    public async Task StartDev_PortTaken_Exits1WithAMessageNamingThePort()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var child = ServerProcess.Run("server", "start-dev", "--port",
            port.ToString(CultureInfo.InvariantCulture), "--db-filename", Path.Combine(directory, "taken.db"));

        (await child.WaitForExitAsync(ExitTimeout)).ShouldBe(1, child.Output);
        child.StderrLines.ShouldContain(l => l.Contains($":{port}", StringComparison.Ordinal), child.Output);
        child.StdoutLines.ShouldNotContain(l => ServerProcess.AddressLine().IsMatch(l));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("server", "start-dev", "--help")]
    public async Task Help_Exits0WithUsage(params string[] args)
    {
        await using var child = ServerProcess.Run(args);

        (await child.WaitForExitAsync(ExitTimeout)).ShouldBe(0, child.Output);
        child.StdoutLines.ShouldContain(l => l.Contains("server start-dev", StringComparison.Ordinal));
        child.StdoutLines.ShouldContain(l => l.Contains("--db-filename", StringComparison.Ordinal));
        child.StderrLines.ShouldBeEmpty();
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
