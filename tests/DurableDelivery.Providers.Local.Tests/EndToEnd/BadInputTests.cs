using System.Net;
using System.Net.Sockets;
using DurableDelivery.Providers.Local.Server;
using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>Every bad request gets one clear error with a reason code, and changes nothing (state file and status identical).</summary>
public sealed class BadInputTests : IClassFixture<BadInputFixture>
{
    private readonly BadInputFixture fixture;

    public BadInputTests(BadInputFixture fixture) => this.fixture = fixture;

    private LocalInfraProvider Client => fixture.Provider.Client;

    [Fact]
    public async Task EnsureListener_PortHeldByAnotherProcess_PortInUse()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await RejectedAsync(
            () => Client.EnsureListenerAsync(new ListenerSpec { Environment = "other", Port = port }, "bad/l-squat"),
            InfraProviderErrorReason.PortInUse,
            $"Port {port} on 127.0.0.1 is already in use by another process. Choose another port, or 0 to pick a free one.");
    }

    [Fact]
    public async Task EnsureListener_PortOfAnotherEnvironmentsListener_PortInUse()
    {
        var port = fixture.Listener.Port;
        await RejectedAsync(
            () => Client.EnsureListenerAsync(new ListenerSpec { Environment = "other", Port = port }, "bad/l-taken"),
            InfraProviderErrorReason.PortInUse,
            $"Port {port} is already used by the listener of environment 'bad'. Choose another port, or 0 to pick a free one.");
    }

    [Fact]
    public async Task EnsureListener_SameEnvironmentOtherPort_ListenerConflict()
    {
        var port = fixture.Listener.Port;
        await RejectedAsync(
            () => Client.EnsureListenerAsync(new ListenerSpec { Environment = "bad", Port = port + 1 }, "bad/l-move"),
            InfraProviderErrorReason.ListenerConflict,
            $"Environment 'bad' already has a listener on port {port}, not {port + 1}. Keep port {port} (or 0), or use another environment.");
    }

    [Fact]
    public async Task EnsureListener_Again_ReturnsSameListener()
    {
        var again = await Client.EnsureListenerAsync(new ListenerSpec { Environment = "bad" }, "bad/listener");
        again.Port.ShouldBe(fixture.Listener.Port);
        again.Endpoint.ShouldBe(fixture.Listener.Endpoint);
    }

    [Fact]
    public async Task CreateInfraSet_MissingArtifact_ArtifactNotFound()
    {
        await RejectedAsync(
            () => Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "bad", ArtifactId = "sample-v9" }, "bad/create-v9"),
            InfraProviderErrorReason.ArtifactNotFound,
            $"Artifact 'sample-v9' was not found: there is no sample-v9.json in {ProviderProcessFixture.ArtifactsDirectory}. Add the manifest or use an existing artifact id.");
    }

    [Fact]
    public async Task CreateInfraSet_InvalidSpec_Rejected()
    {
        await RejectedAsync(
            () => Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "Bad_Env", ArtifactId = "sample-v1" }, "bad/create-env"),
            InfraProviderErrorReason.InvalidSpec,
            "Environment 'Bad_Env' is invalid. Use 1-40 lowercase letters, digits and '-', starting with a letter or digit (e.g. 'staging').");
        await RejectedAsync(
            () => Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "bad", ArtifactId = "sample-v1", InstanceCount = 0 }, "bad/create-zero"),
            InfraProviderErrorReason.InvalidSpec,
            "Instance count 0 is outside 1-16. Ask for 1 to 16 instances.");
    }

    [Fact]
    public async Task CreateInfraSet_UsedKeyWithChangedSpec_IdempotencyKeyConflict()
    {
        await RejectedAsync(
            () => Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "bad", ArtifactId = "sample-v2" }, "bad/create-v1"),
            InfraProviderErrorReason.IdempotencyKeyConflict,
            $"Idempotency key 'bad/create-v1' was already used for a different create-infra-set request (on '{fixture.V1.Id}'). Use a new key for a new request, or resend the original request unchanged.");
    }

    [Fact]
    public async Task CreateInfraSet_UsedKeyWithSameSpec_ReturnsSameInfraSetAndCreatesNothing()
    {
        var before = await SnapshotAsync();
        var again = await Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "bad", ArtifactId = "sample-v1" }, "bad/create-v1");
        again.Id.ShouldBe(fixture.V1.Id);
        again.Spec.ShouldBe(fixture.V1.Spec);
        (await SnapshotAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task SetWeights_SumNotPositive_InvalidWeights()
    {
        var message = "Weights for listener 'bad' sum to 0; they must sum to a positive number. Give at least one infra-set a weight between 1 and 999.";
        await RejectedAsync(() => SetAsync(new() { [fixture.V1.Id] = 0, [fixture.V2.Id] = 0 }, "bad/w-zero"), InfraProviderErrorReason.InvalidWeights, message);
        await RejectedAsync(() => SetAsync([], "bad/w-empty"), InfraProviderErrorReason.InvalidWeights, message);
    }

    [Fact]
    public async Task SetWeights_OutOfRange_InvalidWeights()
    {
        await RejectedAsync(
            () => SetAsync(new() { [fixture.V1.Id] = 1000 }, "bad/w-big"),
            InfraProviderErrorReason.InvalidWeights,
            $"Weight 1000 for infra-set '{fixture.V1.Id}' is outside 0-999. Use an integer between 0 and 999.");
        await RejectedAsync(
            () => SetAsync(new() { [fixture.V1.Id] = 5, [fixture.V2.Id] = -1 }, "bad/w-negative"),
            InfraProviderErrorReason.InvalidWeights,
            $"Weight -1 for infra-set '{fixture.V2.Id}' is outside 0-999. Use an integer between 0 and 999.");
    }

    [Fact]
    public async Task SetWeights_UnknownInfraSet_UnknownInfraSet()
    {
        await RejectedAsync(
            () => SetAsync(new() { [fixture.V1.Id] = 50, ["bad-sample-v7-0099"] = 50 }, "bad/w-unknown"),
            InfraProviderErrorReason.UnknownInfraSet,
            "Weights name unknown infra-set 'bad-sample-v7-0099'. Create it in environment 'bad' first, or remove it from the weights.");
    }

    [Fact]
    public async Task SetWeights_PositiveWeightOnUnhealthyInfraSet_InfraSetNotHealthy()
    {
        var exception = await RejectedAsync(
            () => SetAsync(new() { [fixture.V1.Id] = 90, [fixture.NeverHealthy.Id] = 10 }, "bad/w-unhealthy"),
            InfraProviderErrorReason.InfraSetNotHealthy,
            $"Infra-set '{fixture.NeverHealthy.Id}' is not healthy (0 of 1 instances healthy). Wait until it is healthy before giving it a positive weight.");
        exception.IsRetryable.ShouldBeTrue();
    }

    [Fact]
    public async Task SetWeights_NoListener_UnknownListener()
    {
        await RejectedAsync(
            () => Client.SetWeightsAsync("nowhere", new Dictionary<string, int> { [fixture.V1.Id] = 1 }, "bad/w-nowhere"),
            InfraProviderErrorReason.UnknownListener,
            "Environment 'nowhere' has no listener. Create it first (EnsureListener / POST /v1/listeners).");
    }

    [Fact]
    public async Task SetWeights_UsedKey_SameWeightsReplayDifferentWeightsConflict()
    {
        var before = await SnapshotAsync();
        var replay = await SetAsync(new() { [fixture.V1.Id] = 100 }, "bad/w1");
        replay.Revision.ShouldBe(1);
        replay.Weights.ShouldBe(new Dictionary<string, int> { [fixture.V1.Id] = 100 });
        (await SnapshotAsync()).ShouldBe(before);

        await RejectedAsync(
            () => SetAsync(new() { [fixture.V1.Id] = 50, [fixture.V2.Id] = 50 }, "bad/w1"),
            InfraProviderErrorReason.IdempotencyKeyConflict,
            "Idempotency key 'bad/w1' was already used for a different set-weights request (on 'bad'). Use a new key for a new request, or resend the original request unchanged.");
    }

    [Fact]
    public async Task DeleteInfraSet_StillTakingTraffic_RefusedAndStillServing()
    {
        await RejectedAsync(
            () => Client.DeleteInfraSetAsync(fixture.V1.Id, "bad/delete-v1"),
            InfraProviderErrorReason.InfraSetTakesTraffic,
            $"Infra-set '{fixture.V1.Id}' still takes traffic on listener 'bad' (weight 100 of 100). Set its weight to 0 and drain it before deleting.");
        var v1 = await Client.DescribeInfraSetAsync(fixture.V1.Id);
        v1.ShouldNotBeNull().Status.ShouldBe(InfraSetStatus.Healthy);
        DetachedProcess.IsAlive(v1.Instances.Single().ProcessId!.Value).ShouldBeTrue();
    }

    [Fact]
    public async Task Drain_InfraSetWithPositiveWeight_InfraSetTakesTraffic()
    {
        await RejectedAsync(
            () => Client.DrainAsync("bad", fixture.V1.Id, TimeSpan.FromSeconds(1), "bad/drain-v1"),
            InfraProviderErrorReason.InfraSetTakesTraffic,
            $"Infra-set '{fixture.V1.Id}' still has weight 100 on listener 'bad'. Set its weight to 0 before draining it.");
    }

    [Fact]
    public async Task GetMetrics_WindowBeyondRetention_InvalidSpec()
    {
        await RejectedAsync(
            () => Client.GetMetricsAsync("bad", fixture.V1.Id, TimeSpan.FromMinutes(10)),
            InfraProviderErrorReason.InvalidSpec,
            "Metrics window 600 s is outside 1-300 s. Ask for at most 300 s.");
    }

    [Fact]
    public async Task DescribeInfraSet_Unknown_ReturnsNull()
    {
        (await Client.DescribeInfraSetAsync("bad-sample-v7-0099")).ShouldBeNull();
    }

    private Task<ListenerWeights> SetAsync(Dictionary<string, int> weights, string key) => Client.SetWeightsAsync("bad", weights, key);

    private async Task<InfraProviderException> RejectedAsync(Func<Task> call, InfraProviderErrorReason reason, string message)
    {
        var before = await SnapshotAsync();
        var exception = await Should.ThrowAsync<InfraRequestRejectedException>(call);
        exception.Reason.ShouldBe(reason);
        exception.Message.ShouldBe(message);
        (await SnapshotAsync()).ShouldBe(before, "a rejected request changes nothing");
        return exception;
    }

    /// <summary>The persisted state file plus the applied weights, listeners and infra-sets as the API reports them.</summary>
    private async Task<string> SnapshotAsync()
    {
        var status = await Client.GetStatusAsync();
        var listeners = string.Join(";", status.Listeners.OrderBy(l => l.Environment).Select(l =>
            $"{l.Environment}:{l.Port}:r{l.Weights.Revision}:{string.Join(",", l.Weights.Weights.OrderBy(w => w.Key).Select(w => $"{w.Key}={w.Value}"))}"));
        var sets = string.Join(";", status.InfraSets.Select(s => $"{s.Id}:{s.Status}:{string.Join(",", s.Instances.Select(i => $"{i.Endpoint}/{i.ProcessId}"))}"));
        var state = await File.ReadAllTextAsync(new LocalProviderPaths(fixture.Provider.DataDirectory).StateFile);
        return $"{listeners}\n{sets}\n{state}";
    }
}
