using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using static DurableDelivery.Tests.Shared.Eventually;

namespace DurableDelivery.Workflows.Tests.Support;

/// <summary>An environment workflow with a worker under virtual time and an in-memory provider.</summary>
internal sealed class DeliveryHarness(TestTemporal env, InMemoryProvider provider)
{
    public const string EnvironmentYaml = """
        name: demo
        provider: local
        listener:
          port: 18080
        instances: 2
        artifact:
          component: app
        rollout:
          - weight: 10
            bake: 15s
          - weight: 50
            bake: 15s
          - weight: 100
        gates:
          minDataPoints: 10
        warmRetention: 1
        """;

    public TestTemporal Env { get; } = env;

    public InMemoryProvider Provider { get; } = provider;

    public TemporalClient Client => Env.Client;

    public WorkflowHandle<EnvironmentWorkflow> Environment => Client.GetWorkflowHandle<EnvironmentWorkflow>("env/demo");

    public static EnvironmentDeclaration Declaration(string yaml = EnvironmentYaml) => EnvironmentDeclaration.Parse(yaml, "demo.yaml").GetValueOrThrow();

    public static VersionSet VersionSet(string version, string artifact) => Domain.VersionSets.VersionSet.Parse(
        $"""
        stack: sample
        components:
          - name: app
            version: {version}
            artifact: {artifact}
        """,
        $"{artifact}.yaml").GetValueOrThrow();

    public static Task RunAsync(Func<DeliveryHarness, Task> body, bool autoTimeSkipping = true, string yaml = EnvironmentYaml) => RunAsync(body, new InMemoryProvider(), autoTimeSkipping, yaml);

    public static async Task RunAsync(Func<DeliveryHarness, Task> body, InMemoryProvider provider, bool autoTimeSkipping = true, string yaml = EnvironmentYaml)
    {
        await using var env = await TestTemporal.StartAsync(autoTimeSkipping);
        var harness = new DeliveryHarness(env, provider);
        using var worker = new TemporalWorker(env.Client, WorkflowRegistry.Register(new TemporalWorkerOptions("default"), provider));
        await worker.ExecuteAsync(async () =>
        {
            await env.Client.StartWorkflowAsync(
                (EnvironmentWorkflow e) => e.RunAsync(new EnvironmentInput { Declaration = Declaration(yaml) }),
                new WorkflowOptions(id: "env/demo", taskQueue: "default"));
            await body(harness).WaitAsync(TimeSpan.FromSeconds(60));
        });
    }

    public Task<DeliveryTicket> RequestAsync(string version, string artifact, string yaml = EnvironmentYaml) =>
        Environment.ExecuteUpdateAsync(e => e.RequestDeliveryAsync(new DeliveryRequest
        {
            Environment = Declaration(yaml), VersionSet = VersionSet(version, artifact), RequestedBy = "tester", Reason = "test", RequestedAt = DateTimeOffset.UnixEpoch,
        }));

    public async Task<DeliveryResult> DeliverAsync(string version, string artifact, string yaml = EnvironmentYaml)
    {
        var ticket = await RequestAsync(version, artifact, yaml);
        return await ResultAsync(ticket.DeliveryId);
    }

    /// <summary>
    /// The delivery's result, once the environment has taken in the delivery's end too (its next workflow task, which may
    /// come after the result is out): so that its status (last known good, warm sets) can be asserted right after.
    /// </summary>
    public async Task<DeliveryResult> ResultAsync(string deliveryId)
    {
        await StartedAsync(deliveryId);
        var result = await Client.GetWorkflowHandle(deliveryId).GetResultAsync<DeliveryResult>();
        await EventuallyAsync(async () => (await StatusAsync()).ActiveDelivery?.DeliveryId != deliveryId, TimeSpan.FromSeconds(10), $"env/demo took in the end of {deliveryId}");
        return result;
    }

    public Task StartedAsync(string deliveryId) => EventuallyAsync(
        async () =>
        {
            try
            {
                await Client.GetWorkflowHandle(deliveryId).DescribeAsync();
                return true;
            }
            catch (Temporalio.Exceptions.RpcException e) when (e.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
            {
                return false;
            }
        },
        TimeSpan.FromSeconds(20),
        $"{deliveryId} started");

    public WorkflowHandle<DeliveryWorkflow> Delivery(string id) => Client.GetWorkflowHandle<DeliveryWorkflow>(id);

    public Task<EnvironmentStatus> StatusAsync() => Environment.QueryAsync(e => e.Status);

    public Task<DeliveryStatus> DeliveryStatusAsync(string id) => Delivery(id).QueryAsync(d => d.Status);

    public Task<DeliveryStatus> UntilDeliveryAsync(string id, Func<DeliveryStatus, bool> done, string what) =>
        UntilAsync(() => DeliveryStatusAsync(id), done, TimeSpan.FromSeconds(20), what);

    /// <summary>
    /// Writes the history of a workflow to <c>$DD_RECORD_GOLDEN/&lt;name&gt;.json</c> when that variable is set, to
    /// refresh the golden histories replayed by <see cref="GoldenHistoryReplayTests"/> after an intended change.
    /// </summary>
    public async Task RecordGoldenAsync(string workflowId, string name)
    {
        if (System.Environment.GetEnvironmentVariable("DD_RECORD_GOLDEN") is { Length: > 0 } dir)
        {
            // A long-lived workflow is recorded between workflow tasks (not in the middle of a health check).
            var history = await UntilAsync(
                () => Client.GetWorkflowHandle(workflowId).FetchHistoryAsync(),
                GoldenHistoryReplayTests.IsBetweenWorkflowTasks,
                TimeSpan.FromSeconds(10),
                $"{workflowId} between workflow tasks");
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".json"), history.ToJson());
        }
    }

    /// <summary>Every weight table the provider applied named only infra-sets that were healthy at that moment, and summed to more than 0.</summary>
    public void AssertEveryWeightChangeWasSafe()
    {
        foreach (var (environment, weights, healthy) in Provider.WeightChanges)
        {
            weights.Values.Sum().ShouldBeGreaterThan(0, $"weights of {environment} summed to 0");
            foreach (var (id, weight) in weights.Where(w => w.Value > 0))
            {
                healthy.ShouldContain(id, $"weight {weight} on {id}, which was not healthy");
            }
        }
    }

    /// <summary>The environment's own view holds every invariant and matches the provider's listener.</summary>
    public async Task AssertSettledAsync()
    {
        // The environment records a delivery's result in its own workflow task, a moment after the delivery completed.
        var status = await UntilAsync(StatusAsync, s => s.ActiveDelivery is null, TimeSpan.FromSeconds(10), "the environment recorded the delivery's end");
        status.Violations.ShouldBeEmpty();
        status.Weights.ShouldBe(new TrafficWeights { Weights = Provider.Current("demo") });
        var existing = status.InfraSets.Where(s => s.Status != Domain.Traffic.InfraSetStatus.Deleted).Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();
        existing.ShouldBe(Provider.Existing(), "the environment tracks exactly the infra-sets the provider has");
        AssertEveryWeightChangeWasSafe();
    }
}
