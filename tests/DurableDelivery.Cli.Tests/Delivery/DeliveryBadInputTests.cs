using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Workflows.Environments;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace DurableDelivery.Cli.Tests.Delivery;

/// <summary>
/// Bad input to env, deliver and delivery: one line per problem on stderr naming the problem and the fix, a distinct
/// exit code, and nothing changed on the server. No worker runs here, so "no worker" (exit 5) is tested too.
/// </summary>
public sealed class DeliveryBadInputTests : IAsyncLifetime
{
    private const string Weights = "e.g. demo-sample-v1-0001=90,demo-sample-v2-0002=10";
    private readonly TempDataDir dir = new();

    private string DemoFile => Path.Combine(dir.Root, "demo.yaml");

    private string NoAppFile => Path.Combine(dir.Root, "no-app.yaml");

    public async Task InitializeAsync()
    {
        // A server with env/demo open and no worker: nothing changes it except the commands under test.
        await File.WriteAllTextAsync(DemoFile, await File.ReadAllTextAsync(Repo.File("infra", "environments", "demo.yaml")));
        await File.WriteAllTextAsync(NoAppFile, "stack: sample\ncomponents:\n  - name: web\n    version: 1.0.0\n    artifact: sample-v1\n");
        var declaration = EnvironmentDeclaration.Parse(await File.ReadAllTextAsync(DemoFile), DemoFile).GetValueOrThrow();
        var client = await dir.ConnectAsync();
        await client.StartWorkflowAsync((EnvironmentWorkflow e) => e.RunAsync(new EnvironmentInput { Declaration = declaration }), new WorkflowOptions("env/demo", "default"));
    }

    public Task DisposeAsync()
    {
        dir.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(2, "error: environment 'nope' not found: no workflow env/nope in {where}; create it by delivering to it: ddctl deliver nope --version-set <file>.", "env", "status", "nope")]
    [InlineData(1, "error: 'no such' is not an environment name; use letters, digits, '-' and '_', starting with a letter or digit, e.g. demo.", "env", "status", "no such")]
    [InlineData(1, "error: unknown command 'lis' for 'ddctl env'; commands: list, status, rollback, set-weights; see 'ddctl env --help'.", "env", "lis")]
    [InlineData(1, "error: a reason is required: say why with --reason \"...\" (it is recorded with the override); see 'ddctl env rollback --help'.", "env", "rollback", "demo")]
    [InlineData(1, "error: a reason is required: say why with --reason \"...\" (it is recorded with the override); see 'ddctl env rollback --help'.", "env", "rollback", "demo", "--reason", "  ")]
    [InlineData(1, "error: --to must name an infra-set, e.g. --to demo-sample-v1-0001; leave it out for the default target.", "env", "rollback", "demo", "--reason", "r", "--to", " ")]
    [InlineData(1, "error: --as must name who asks, e.g. --as alice (it is recorded with the override).", "env", "rollback", "demo", "--reason", "r", "--as", " ")]
    [InlineData(1, "error: --timeout '0' is not a duration from 1ms to 1h; use e.g. 30s, 2m or 90 (seconds).", "env", "rollback", "demo", "--reason", "r", "--timeout", "0")]
    [InlineData(1, "error: --timeout 'soon' is not a duration from 1ms to 1h; use e.g. 30s, 2m or 90 (seconds).", "env", "status", "demo", "--timeout", "soon")]
    [InlineData(5, "error: no worker took the rollback within 1 s; is `ddctl worker run` running against {where}? The rollback stays pending on the server and is applied when a worker polls; check with ddctl env status demo.", "env", "rollback", "demo", "--reason", "r", "--timeout", "1s", "--host-worker", "never")]
    [InlineData(5, "error: no worker answered within 0.5 s; is `ddctl worker run` running against {where}? Nothing was changed.", "env", "status", "demo", "--timeout", "0.5")]
    [InlineData(5, "error: no worker answered within 1 s; is `ddctl worker run` running against {where}? Nothing was changed.", "env", "list", "--timeout", "1s")]
    [InlineData(1, "error: Argument 'maybe' not recognized. Must be one of: 'auto' 'never'; see 'ddctl env rollback --help'.", "env", "rollback", "demo", "--reason", "r", "--host-worker", "maybe")]
    [InlineData(1, "error: weights 'a=1,b' are not <infra-set>=<weight>[,...]: 'b' is not one pair; " + Weights + ".", "env", "set-weights", "demo", "a=1,b", "--reason", "r")]
    [InlineData(1, "error: weights '=5' are not <infra-set>=<weight>[,...]: '=5' is not one pair; " + Weights + ".", "env", "set-weights", "demo", "=5", "--reason", "r")]
    [InlineData(1, "error: weights 'a=x': the weight of 'a' is 'x', not a whole number from 0 to 999; " + Weights + ".", "env", "set-weights", "demo", "a=x", "--reason", "r")]
    [InlineData(1, "error: weights 'a=1000': the weight of 'a' is '1000', not a whole number from 0 to 999; " + Weights + ".", "env", "set-weights", "demo", "a=1000", "--reason", "r")]
    [InlineData(1, "error: weights 'a=-1': the weight of 'a' is '-1', not a whole number from 0 to 999; " + Weights + ".", "env", "set-weights", "demo", "a=-1", "--reason", "r")]
    [InlineData(1, "error: weights 'a=1,a=2' name infra-set 'a' twice; give each infra-set once, " + Weights + ".", "env", "set-weights", "demo", "a=1,a=2", "--reason", "r")]
    [InlineData(1, "error: a reason is required: say why with --reason \"...\" (it is recorded with the override); see 'ddctl env set-weights --help'.", "env", "set-weights", "demo", "a=1")]
    [InlineData(1, "error: Option '--version-set' is required; see 'ddctl deliver --help'.", "deliver", "demo")]
    [InlineData(1, "error: version set file 'missing.yaml' not found (in {cwd}); pass --version-set <file>, e.g. infra/version-sets/v2.yaml.", "deliver", "demo", "--version-set", "missing.yaml", "--environment-file", "{root}/demo.yaml")]
    [InlineData(1, "error: environment file 'infra/environments/nope.yaml' not found (in {cwd}); pass --environment-file <file>, or create it (format: workflows/DurableDelivery.Domain/README.md).", "deliver", "nope", "--version-set", "{root}/no-app.yaml")]
    [InlineData(1, "error: version set file '{root}' is a directory; pass --version-set <file>, e.g. infra/version-sets/v2.yaml.", "deliver", "demo", "--version-set", "{root}", "--environment-file", "{root}/demo.yaml")]
    [InlineData(1, "error: {root}/demo.yaml: declares environment 'demo', not 'staging'; pass --environment-file infra/environments/staging.yaml, or deliver to demo.", "deliver", "staging", "--version-set", "{repo}/infra/version-sets/v1.yaml", "--environment-file", "{root}/demo.yaml")]
    [InlineData(1, "error: {root}/no-app.yaml: has no component 'app', which environment 'demo' deploys (artifact.component in {root}/demo.yaml); components: web.", "deliver", "demo", "--version-set", "{root}/no-app.yaml", "--environment-file", "{root}/demo.yaml")]
    [InlineData(5, "error: no worker answered within 1 s; is `ddctl worker run` running against {where}? Nothing was requested.", "deliver", "demo", "--version-set", "{repo}/infra/version-sets/v2.yaml", "--environment-file", "{root}/demo.yaml", "--timeout", "1s")]
    [InlineData(1, "error: 'xyz' is not a delivery id; use delivery/<env>/<n>, e.g. delivery/demo/3 (or demo/3); list them with 'ddctl delivery list'.", "delivery", "status", "xyz")]
    [InlineData(1, "error: 'delivery/demo/0' is not a delivery id; use delivery/<env>/<n>, e.g. delivery/demo/3 (or demo/3); list them with 'ddctl delivery list'.", "delivery", "watch", "delivery/demo/0")]
    [InlineData(2, "error: environment 'prod' not found: no workflow env/prod in {where}; create it by delivering to it: ddctl deliver prod --version-set <file>.", "delivery", "status", "delivery/prod/1")]
    [InlineData(2, "error: environment 'prod' not found: no workflow env/prod in {where}; create it by delivering to it: ddctl deliver prod --version-set <file>.", "delivery", "list", "--env", "prod")]
    [InlineData(1, "error: a reason is required: say why with --reason \"...\" (it is recorded with the override); see 'ddctl delivery pause --help'.", "delivery", "pause", "demo/1")]
    [InlineData(1, "error: --by 'abc' is not a positive duration; use e.g. 30s, 5m or 1m30s.", "delivery", "extend-bake", "demo/1", "--by", "abc", "--reason", "r")]
    [InlineData(1, "error: --by '0' is not a positive duration; use e.g. 30s, 5m or 1m30s.", "delivery", "extend-bake", "demo/1", "--by", "0", "--reason", "r")]
    [InlineData(1, "error: Option '--by' is required; see 'ddctl delivery extend-bake --help'.", "delivery", "extend-bake", "demo/1", "--reason", "r")]
    [InlineData(5, "error: no worker answered within 1 s; is `ddctl worker run` running against {where}? Nothing was changed.", "delivery", "abort", "demo/1", "--reason", "r", "--timeout", "1")]
    public async Task Command_BadInput_OneLineErrorExitCodeAndStoreUnchanged(int exitCode, string error, params string[] args)
    {
        await Refusal.AssertAsync(dir.Path, exitCode, Fill(error), [.. args.Select(Fill)]);
    }

    [Fact]
    public async Task Deliver_FilesWithSeveralProblems_EveryProblemOnItsOwnLineAndNothingSent()
    {
        var environmentFile = Path.Combine(dir.Root, "bad-env.yaml");
        var versionSetFile = Path.Combine(dir.Root, "bad-set.yaml");
        await File.WriteAllTextAsync(environmentFile, "name: demo\nprovider: local\nlisten:\n  port: 18080\nartifact:\n  component: app\nrollout:\n  - weight: 50\n  - weight: 25\n");
        await File.WriteAllTextAsync(versionSetFile, "stack: sample\ncomponents:\n  - name: app\n    version: 2.x\n    artifact: sample-v2\n  - name: app\n    version: 1.0.0\n");
        var expected = EnvironmentDeclaration.Parse(await File.ReadAllTextAsync(environmentFile), environmentFile).Problems
            .Concat(VersionSet.Parse(await File.ReadAllTextAsync(versionSetFile), versionSetFile).Problems)
            .Select(p => $"error: {p}\n")
            .ToList();
        expected.Count.ShouldBeGreaterThanOrEqualTo(4, "both files have at least two problems each");
        var before = await StoreSnapshot.TakeAsync(dir.Path);

        var result = await Ddctl.RunAsync("deliver", "demo", "--version-set", versionSetFile, "--environment-file", environmentFile, "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldBe(string.Concat(expected));
        result.Stdout.ShouldBeEmpty();
        (await StoreSnapshot.TakeAsync(dir.Path)).ShouldBe(before);
    }

    [Fact]
    public async Task Deliver_BothFilesMissing_BothReported()
    {
        var result = await Ddctl.RunAsync("deliver", "demo", "--version-set", "v9.yaml", "--environment-file", "gone.yaml", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldBe(
            $"error: environment file 'gone.yaml' not found (in {Environment.CurrentDirectory}); pass --environment-file <file>, or create it (format: workflows/DurableDelivery.Domain/README.md).\n"
            + $"error: version set file 'v9.yaml' not found (in {Environment.CurrentDirectory}); pass --version-set <file>, e.g. infra/version-sets/v2.yaml.\n");
    }

    [Fact]
    public async Task Deliver_NewEnvironmentWithoutWorker_Exit5EnvironmentStartedButNothingRequested()
    {
        var stagingFile = Path.Combine(dir.Root, "staging.yaml");
        await File.WriteAllTextAsync(stagingFile, (await File.ReadAllTextAsync(DemoFile)).Replace("name: demo", "name: staging", StringComparison.Ordinal));

        var result = await Ddctl.RunAsync(
            "deliver", "staging", "--version-set", Repo.File("infra", "version-sets", "v1.yaml"), "--environment-file", stagingFile, "--timeout", "1s", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(5, result.ToString());
        result.Stderr.ShouldBe($"error: no worker answered within 1 s; is `ddctl worker run` running against namespace default at {dir.Address}? env/staging was started, but no delivery was requested: run this again once a worker runs.\n");
        var client = await dir.ConnectAsync();
        var handle = client.GetWorkflowHandle("env/staging");
        (await handle.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Running);
        (await handle.FetchHistoryAsync()).Events.ShouldNotContain(e => e.EventType == EventType.WorkflowExecutionUpdateAccepted, "no delivery was requested");
    }

    [Fact]
    public async Task EnvList_NoServerAtTheAddress_Exit3OneLineAndNothingCreated()
    {
        using var nobody = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        nobody.Start();
        var port = ((System.Net.IPEndPoint)nobody.LocalEndpoint).Port;
        nobody.Stop();
        var missing = Path.Combine(dir.Root, "no-data");

        var result = await Ddctl.RunAsync("env", "list", "--address", $"127.0.0.1:{port}", "--data-dir", missing);

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldStartWith($"error: cannot connect to Temporal at 127.0.0.1:{port} (namespace default): ");
        result.Stderr.ShouldEndWith("; check --address, --namespace and the TLS/API-key settings, or start the embedded server: ddctl server start-dev.\n");
        result.Stderr.Count(c => c == '\n').ShouldBe(1, result.Stderr);
        Directory.Exists(missing).ShouldBeFalse("an explicit address never starts a server");
    }

    private string Fill(string text) => text
        .Replace("{where}", $"namespace default at {dir.Address}", StringComparison.Ordinal)
        .Replace("{data}", dir.Path, StringComparison.Ordinal)
        .Replace("{root}", dir.Root, StringComparison.Ordinal)
        .Replace("{repo}", Repo.Root, StringComparison.Ordinal)
        .Replace("{cwd}", Environment.CurrentDirectory, StringComparison.Ordinal);
}
