using System.Diagnostics;
using DurableDelivery.Server.Process.Tests.Support;
using DurableDelivery.Server.ProcessWorker;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Testing;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Process.Tests;

/// <summary>
/// The SDK's launchers give the server 5 s to accept connections, a limit of the SDK's, not of the test. The crash tests
/// of this assembly start servers and workers by the dozen; these tests run after them, alone (xunit runs a collection
/// that disables parallelization after the parallel ones), so the limit measures our start-up, not the neighbours'.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SdkLauncherCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "SDK launchers, alone";
}

/// <summary>
/// The SDK's own launchers (WorkflowEnvironment.StartLocalAsync / StartTimeSkippingAsync, unchanged SDK code) run our
/// executable as their ExistingPath, exactly as they run the temporal CLI and Temporal's test server.
/// </summary>
[Collection(SdkLauncherCollection.Name)]
public class SdkLauncherTests
{
    [Fact]
    public async Task StartLocalAsync_WithOurExecutable_RunsWorkflowWithActivityToCompletion()
    {
        await using var env = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = ServerExecutable.Path },
        });
        await ShouldBeOurServerAsync(env.Client);
        var queue = $"local-{Guid.NewGuid():N}";
        var ledger = new StepLedger();
        using var worker = new TemporalWorker(env.Client, new TemporalWorkerOptions(queue)
            .AddWorkflow<StepWorkflow>().AddAllActivities(ledger.Activities));
        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (StepWorkflow wf) => wf.RunAsync(new StepWorkflowInput(2, 10, 10, 10_000)), new($"wf-{queue}", queue));
            await handle.SignalAsync(wf => wf.FinishAsync());
            return await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(60));
        });

        result.Steps.ShouldBe(["step-0@1", "step-1@1"]);
        ledger.Executions.Count.ShouldBe(2);
    }

    [Fact]
    public async Task StartTimeSkippingAsync_WithOurExecutable_SkipsA30MinuteSleepAndMovesTheClock()
    {
        await using var env = await WorkflowEnvironment.StartTimeSkippingAsync(new()
        {
            TestServer = new() { ExistingPath = ServerExecutable.Path },
        });
        await ShouldBeOurServerAsync(env.Client);
        var queue = $"skip-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(
            env.Client, new TemporalWorkerOptions(queue).AddWorkflow<SleepWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var watch = Stopwatch.StartNew();
            var slept = await env.Client.ExecuteWorkflowAsync(
                (SleepWorkflow wf) => wf.RunAsync(TimeSpan.FromMinutes(30)), new($"sleep-{queue}", queue))
                .WaitAsync(TimeSpan.FromSeconds(60));
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "a skipped 30 minute sleep");
            (slept.Woke - slept.Started).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMinutes(30));

            var before = await env.GetCurrentTimeAsync();
            watch.Restart();
            await env.DelayAsync(TimeSpan.FromHours(2)).WaitAsync(TimeSpan.FromSeconds(60));
            var after = await env.GetCurrentTimeAsync();
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "a skipped 2 hour delay");
            (after - before).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(2));
            (after - before).ShouldBeLessThan(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        });
    }

    private static async Task ShouldBeOurServerAsync(ITemporalClient client)
    {
        var info = await client.Connection.WorkflowService.GetClusterInfoAsync(new GetClusterInfoRequest());
        info.ClusterId.ShouldBe("durable-delivery-embedded", "the SDK must have launched dd-temporal-server");
    }
}

/// <summary>The workflow clock before and after a sleep.</summary>
/// <param name="Started">Before.</param>
/// <param name="Woke">After.</param>
public sealed record Slept(DateTime Started, DateTime Woke);

/// <summary>Sleeps on a durable timer and returns the workflow clock before and after.</summary>
[Workflow]
public class SleepWorkflow
{
    [WorkflowRun]
    public async Task<Slept> RunAsync(TimeSpan sleep)
    {
        var started = Workflow.UtcNow;
        await Workflow.DelayAsync(sleep);
        return new Slept(started, Workflow.UtcNow);
    }
}
