using System.Net;
using System.Net.Sockets;
using DurableDelivery.Cli.Tests.Support;
using Temporalio.Client;

namespace DurableDelivery.Cli.Tests.Server;

/// <summary><c>ddctl server start-dev</c>: the embedded Temporal server, used by the real Temporalio client.</summary>
public class ServerStartDevTests
{
    [Fact]
    public async Task StartDev_ServesTheSdk_StoresInTheDataDir_StopsOnSigterm()
    {
        using var dir = new TempDataDir();
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new BackgroundDdctl(
            ["server", "start-dev", "--port", "0", "--namespace", "deliveries", "--data-dir", dir.Path],
            line =>
            {
                if (line is not null && line.Contains(" is running at ", StringComparison.Ordinal))
                {
                    address.TrySetResult(line[(line.IndexOf(" is running at ", StringComparison.Ordinal) + 15)..]
                        .Split(';')[0]);
                }
            });
        var target = await address.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(target) { Namespace = "deliveries" });
        var handle = await client.StartWorkflowAsync("NoWorkerHere", [], new("wf-1", "q"));
        (await handle.DescribeAsync()).Status.ShouldBe(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Running);
        File.Exists(Path.Combine(dir.Path, "temporal.db")).ShouldBeTrue();

        Posix.Terminate(server.Id);
        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        server.ExitCode.ShouldBe(0, server.Output);
    }

    [Fact]
    public async Task StartDev_PortTaken_ExitsUnavailableNamingThePort()
    {
        using var dir = new TempDataDir();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var result = await Ddctl.RunAsync("server", "start-dev", "--port", $"{port}", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(5, result.ToString());
        var errors = result.Stderr.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        errors.Count.ShouldBe(1, result.Stderr);
        errors[0].ShouldContain($"cannot listen on 127.0.0.1:{port}");
        errors[0].ShouldContain("--port");
    }

    [Fact]
    public async Task StartDev_BadLogLevel_IsRefusedBeforeAnythingStarts()
    {
        using var dir = new TempDataDir();

        var result = await Ddctl.RunAsync("server", "start-dev", "--log-level", "loud", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldContain("loud");
        Directory.Exists(dir.Path).ShouldBeFalse();
    }
}
