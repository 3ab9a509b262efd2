using DurableDelivery.Providers.Local.Server;
using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>The provider process is SIGKILLed and started again: listeners, weights and instances come back.</summary>
public sealed class ProviderRestartTests : IClassFixture<ProviderProcessFixture>
{
    private readonly ProviderProcessFixture provider;

    public ProviderRestartTests(ProviderProcessFixture provider) => this.provider = provider;

    [Fact]
    public async Task ProviderKilled_Restarted_SameListenerSameWeightsInstancesReadopted()
    {
        var client = provider.Client;
        var listener = await client.EnsureListenerAsync(new ListenerSpec { Environment = "restart" }, "restart/listener");
        var v1 = await provider.CreateHealthyAsync("restart", "sample-v1", "restart/create-v1");
        var v2 = await provider.CreateHealthyAsync("restart", "sample-v2", "restart/create-v2");
        var weights = await client.SetWeightsAsync("restart", new Dictionary<string, int> { [v1.Id] = 90, [v2.Id] = 10 }, "restart/w1");
        var pids = new[] { v1, v2 }.Select(set => set.Instances.Single().ProcessId.ShouldNotBeNull()).ToArray();
        var oldPid = provider.ProviderPid;

        await provider.KillProviderAsync();

        // The provider is down: calls fail as retryable ProviderUnavailable; instances keep running.
        var down = await Should.ThrowAsync<InfraProviderUnavailableException>(() => client.GetWeightsAsync("restart"));
        down.Reason.ShouldBe(InfraProviderErrorReason.ProviderUnavailable);
        down.IsRetryable.ShouldBeTrue();
        down.Message.ShouldStartWith($"The local provider (pid {oldPid}) does not answer on http://127.0.0.1:");
        down.Message.ShouldEndWith($"Start it with 'ddctl local up --data-dir {provider.DataDirectory}'.");
        pids.ShouldAllBe(pid => DetachedProcess.IsAlive(pid));

        var status = await provider.StartAsync();
        status.ProcessId.ShouldNotBe(oldPid);
        var restored = status.Listeners.Single(l => l.Environment == "restart");
        restored.Port.ShouldBe(listener.Port);
        restored.Weights.ShouldBeEquivalentTo(weights);
        (await client.GetWeightsAsync("restart")).ShouldBeEquivalentTo(weights);
        await Eventually.EventuallyAsync(async () => (await client.WaitHealthyAsync(v1.Id, TimeSpan.Zero)).Status == InfraSetStatus.Healthy
            && (await client.WaitHealthyAsync(v2.Id, TimeSpan.Zero)).Status == InfraSetStatus.Healthy, TimeSpan.FromSeconds(10), "both infra-sets healthy again");
        var readopted = (await client.ListInfraSetsAsync("restart")).Select(set => set.Instances.Single()).ToList();
        readopted.Select(instance => instance.ProcessId).ShouldBe(pids.Select(pid => (int?)pid));
        readopted.ShouldAllBe(instance => instance.Restarts == 0);

        await using var traffic = new Traffic(restored.Endpoint, requestsPerSecond: 400);
        var split = await traffic.SplitAfterAsync(Traffic.Now, 1000);
        split["v1"].ShouldBe(0.90, tolerance: 0.04);
        split["v2"].ShouldBe(0.10, tolerance: 0.04);
    }

    [Fact]
    public async Task InstanceDiesWhileProviderDown_ProviderRestarted_InstanceStartedAgainOnItsPort()
    {
        var client = provider.Client;
        await client.EnsureListenerAsync(new ListenerSpec { Environment = "orphan" }, "orphan/listener");
        var v1 = await provider.CreateHealthyAsync("orphan", "sample-v1", "orphan/create-v1");
        var instance = v1.Instances.Single();

        await provider.KillProviderAsync();
        DetachedProcess.Kill(instance.ProcessId!.Value);
        await Eventually.EventuallyAsync(() => !DetachedProcess.IsAlive(instance.ProcessId.Value), TimeSpan.FromSeconds(10), "instance gone");
        await provider.StartAsync();

        var again = await client.WaitHealthyAsync(v1.Id, ProviderProcessFixture.HealthyWithin);
        again.Status.ShouldBe(InfraSetStatus.Healthy);
        again.Instances.Single().Endpoint.ShouldBe(instance.Endpoint);
        again.Instances.Single().ProcessId.ShouldNotBe(instance.ProcessId);
    }
}
