using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Workflows.Environments;
using Temporalio.Client;

namespace DurableDelivery.Cli.Tests.Delivery;

/// <summary>
/// Overrides the workflows refuse (their validators run in a real worker process): exit 1 with the workflow's own
/// reason on one line, and no trace in the workflow's history. Also unknown deliveries of a known environment (exit 2).
/// </summary>
public sealed class DeliveryRefusalTests : IAsyncLifetime
{
    private readonly TempDataDir dir = new();
    private WorkerProcess? worker;

    public async Task InitializeAsync()
    {
        // env/demo with no delivery yet: nothing is warm, nothing takes traffic.
        var file = Repo.File("infra", "environments", "demo.yaml");
        var declaration = EnvironmentDeclaration.Parse(await File.ReadAllTextAsync(file), file).GetValueOrThrow();
        var client = await dir.ConnectAsync();
        await client.StartWorkflowAsync((EnvironmentWorkflow e) => e.RunAsync(new EnvironmentInput { Declaration = declaration }), new WorkflowOptions("env/demo", "default"));

        worker = await WorkerProcess.StartAsync(dir.Path);
        await Eventually.UntilAsync(() => Ddctl.RunAsync("env", "status", "demo", "-o", "json", "--data-dir", dir.Path), r => r.ExitCode == 0, TimeSpan.FromSeconds(20), "env/demo answers");
    }

    public async Task DisposeAsync()
    {
        if (worker is not null)
        {
            await worker.DisposeAsync();
        }

        dir.Dispose();
    }

    [Theory]
    [InlineData(1, "error: env/demo refused the rollback: cannot roll back: no warm infra-set to roll back to; warm infra-sets: (none)", "env", "rollback", "demo", "--reason", "bad release")]
    [InlineData(1, "error: env/demo refused the rollback: rollback target 'demo-sample-v9-0009' does not exist; warm infra-sets: (none)", "env", "rollback", "demo", "--to", "demo-sample-v9-0009", "--reason", "r")]
    [InlineData(1, "error: env/demo refused the weight change: cannot set weights: weights name infra-set 'demo-x', which does not exist; infra-sets: (none)", "env", "set-weights", "demo", "demo-x=100", "--reason", "r")]
    [InlineData(2, "error: delivery 'delivery/demo/1' not found: environment 'demo' has no such delivery; list them with 'ddctl delivery list --env demo'.", "delivery", "pause", "demo/1", "--reason", "r")]
    [InlineData(2, "error: delivery 'delivery/demo/7' not found: environment 'demo' has no such delivery; list them with 'ddctl delivery list --env demo'.", "delivery", "status", "delivery/demo/7")]
    [InlineData(2, "error: delivery 'delivery/demo/7' not found: environment 'demo' has no such delivery; list them with 'ddctl delivery list --env demo'.", "delivery", "watch", "demo/7")]
    public async Task Override_RefusedOrUnknown_WorkflowReasonExitCodeAndStoreUnchanged(int exitCode, string error, params string[] args)
    {
        await Refusal.AssertAsync(dir.Path, exitCode, error, args);
    }

    [Fact]
    public async Task EnvListAndStatus_NewEnvironment_NothingPromotedYet()
    {
        var list = (await Ddctl.RunAsync("env", "list", "-o", "json", "--data-dir", dir.Path)).OkJson().AsArray();
        var demo = list.ShouldHaveSingleItem()!;
        demo["environment"]!.GetValue<string>().ShouldBe("demo");
        demo["workflowStatus"]!.GetValue<string>().ShouldBe("Running");
        demo["lastKnownGood"].ShouldBeNull();
        demo["weights"]!.AsObject().ShouldBeEmpty();

        var status = (await Ddctl.RunAsync("env", "status", "demo", "-o", "json", "--data-dir", dir.Path)).OkJson();
        status["workflowId"]!.GetValue<string>().ShouldBe("env/demo");
        status["infraSets"]!.AsArray().ShouldBeEmpty();
        status["violations"]!.AsArray().ShouldBeEmpty();

        var table = await Ddctl.RunAsync("env", "status", "demo", "--data-dir", dir.Path);
        table.ExitCode.ShouldBe(0, table.ToString());
        table.Stdout.ShouldContain("(none yet: nothing promoted)");
        table.Stdout.ShouldContain("No infra-sets yet.");

        (await Ddctl.RunAsync("delivery", "list", "-o", "json", "--data-dir", dir.Path)).OkJson().AsArray().ShouldBeEmpty();
    }
}
