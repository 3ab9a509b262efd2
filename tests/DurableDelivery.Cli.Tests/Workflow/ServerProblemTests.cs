using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>
/// No Temporal server where the connection options point, a malformed address or an unknown namespace: one line, its
/// exit code, nothing on stdout, and no embedded server started or data dir created behind the user's back.
/// </summary>
public sealed class ServerProblemTests : IDisposable
{
    private readonly TempDataDir dir = new();

    /// <summary>A data dir no test server belongs to (so <see cref="Ddctl"/> sets no TEMPORAL_ADDRESS for it).</summary>
    private string UnusedDataDir => Path.Combine(dir.Root, "unused");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task List_UnreachableAddress_Exit3OneLineAndNothingCreated()
    {
        var address = $"127.0.0.1:{Repo.FreeLoopbackPort()}";

        var result = await Ddctl.RunAsync("workflow", "list", "--address", address, "--data-dir", UnusedDataDir);

        ShouldBeCannotConnect(result, address);
        Directory.Exists(UnusedDataDir).ShouldBeFalse();
    }

    [Fact]
    public async Task Signal_UnreachableAddressFromEnvironment_UsedWhenNoOption()
    {
        var address = $"127.0.0.1:{Repo.FreeLoopbackPort()}";

        var result = await Ddctl.RunAsync(
            new Dictionary<string, string?> { ["TEMPORAL_ADDRESS"] = address },
            "workflow", "signal", "-w", "x", "--name", "approve", "--input", "\"a\"", "--data-dir", UnusedDataDir);

        ShouldBeCannotConnect(result, address);
        Directory.Exists(UnusedDataDir).ShouldBeFalse();
    }

    [Fact]
    public async Task List_AddressOptionOverEnvironment_ReachesTheServer()
    {
        var unreachable = $"127.0.0.1:{Repo.FreeLoopbackPort()}";
        (await Ddctl.RunAsync("workflow", "start", "--type", "ApprovalWorkflow", "-w", "w1", "--input", """{"change":"pr-1"}""", "--data-dir", dir.Path, "-o", "json")).OkJson();

        var result = await Ddctl.RunAsync(
            new Dictionary<string, string?> { ["TEMPORAL_ADDRESS"] = unreachable },
            "workflow", "list", "--address", dir.Address, "--data-dir", UnusedDataDir, "-o", "json");

        result.OkJson().AsArray().Select(r => r!["workflowId"]!.GetValue<string>()).ShouldBe(["w1"]);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    public async Task Describe_MalformedAddress_Exit1(string address)
    {
        var result = await Ddctl.RunAsync("workflow", "describe", "-w", "x", "--address", address, "--data-dir", UnusedDataDir);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldBe($"error: --address '{address}' is not host:port; use e.g. --address 127.0.0.1:7233 or --address my-temporal.example.com:7233.\n");
        result.Stdout.ShouldBeEmpty();
        Directory.Exists(UnusedDataDir).ShouldBeFalse();
    }

    [Theory]
    [InlineData("workflow", "list")]
    [InlineData("workflow", "describe", "-w", "w1")]
    [InlineData("workflow", "show", "-w", "w1")]
    [InlineData("workflow", "start", "--type", "ApprovalWorkflow", "-w", "w2", "--input", "{\"change\":\"pr-2\"}")]
    public async Task Command_UnknownNamespace_Exit3AndNothingWritten(params string[] args)
    {
        (await Ddctl.RunAsync("workflow", "start", "--type", "ApprovalWorkflow", "-w", "w1", "--input", """{"change":"pr-1"}""", "--data-dir", dir.Path, "-o", "json")).OkJson();

        await Refusal.AssertAsync(
            dir.Path,
            3,
            "error: namespace 'nope' does not exist on this Temporal server; pass an existing one with --namespace (or TEMPORAL_NAMESPACE), e.g. --namespace default.",
            [.. args, "--namespace", "nope"]);
    }

    private static void ShouldBeCannotConnect(CliResult result, string address)
    {
        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stdout.ShouldBeEmpty();
        result.Stderr.ShouldStartWith($"error: cannot connect to Temporal at {address} (namespace default): ");
        result.Stderr.ShouldEndWith("; check --address, --namespace and the TLS/API-key settings, or start the embedded server: ddctl server start-dev.\n");
        result.Stderr.Count(c => c == '\n').ShouldBe(1, "one line");
    }
}
