using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>A provider with listener 'bad', two healthy infra-sets (v1 taking all traffic, v2 idle) and one that never becomes healthy.</summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public ProviderProcessFixture Provider { get; } = new();

    public ListenerInfo Listener { get; private set; } = null!;

    public InfraSetInfo V1 { get; private set; } = null!;

    public InfraSetInfo V2 { get; private set; } = null!;

    public InfraSetInfo NeverHealthy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Provider.InitializeAsync();
        var client = Provider.Client;
        Listener = await client.EnsureListenerAsync(new ListenerSpec { Environment = "bad" }, "bad/listener");
        V1 = await Provider.CreateHealthyAsync("bad", "sample-v1", "bad/create-v1");
        V2 = await Provider.CreateHealthyAsync("bad", "sample-v2", "bad/create-v2");
        NeverHealthy = await client.CreateInfraSetAsync(new InfraSetSpec { Environment = "bad", ArtifactId = "sample-never-healthy" }, "bad/create-never");
        await client.SetWeightsAsync("bad", new Dictionary<string, int> { [V1.Id] = 100 }, "bad/w1");

        // Wait until every instance's pid is recorded, so the state file only changes if a request changes it.
        await Eventually.EventuallyAsync(
            async () => (await client.ListInfraSetsAsync("bad")).All(set => set.Instances.All(i => i.ProcessId is not null)),
            TimeSpan.FromSeconds(10),
            "all instances started");
    }

    public Task DisposeAsync() => Provider.DisposeAsync();
}
