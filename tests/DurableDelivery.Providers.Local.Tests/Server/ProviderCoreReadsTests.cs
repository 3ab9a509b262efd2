using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local.Tests.Server;

/// <summary>
/// Reads (list, describe, status) run without the provider's mutation gate: they must see a consistent state at every
/// moment of a mutation, also between the state save and the start of the new infra-set's instances.
/// </summary>
public sealed class ProviderCoreReadsTests : IAsyncLifetime
{
    private readonly string root = Directory.CreateTempSubdirectory("dd-core-reads-").FullName;
    private readonly List<string> readsDuringCreate = [];
    private ProviderCore core = null!;

    public Task InitializeAsync()
    {
        // An artifact that never answers HTTP: its instances stay Starting, which is all this test needs.
        var artifacts = Directory.CreateDirectory(Path.Combine(root, "artifacts")).FullName;
        File.WriteAllText(Path.Combine(artifacts, "idle.json"), """{"version": "v1", "command": "sleep", "arguments": ["60"]}""");
        var data = Path.Combine(root, "data");
        var paths = new LocalProviderPaths(data);
        Directory.CreateDirectory(paths.Root);
        core = new ProviderCore(paths, new LocalProviderOptions { DataDirectory = data }, new ArtifactResolver(artifacts), TimeProvider.System, ReadWhenCreated);
        return core.RestoreAsync();
    }

    public async Task DisposeAsync()
    {
        await core.StopAsync(stopInstances: true);
        await core.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task ListDescribeStatus_RightAfterCreateIsSaved_SeeTheNewInfraSetStarting()
    {
        var created = await core.CreateInfraSetAsync(new InfraSetSpec { Environment = "staging", ArtifactId = "idle", InstanceCount = 1 }, "k1");

        // The provider logs "created" after the state is saved and before the instances start: a reader at that moment
        // (here, inside the log call) got a KeyNotFoundException from List and Status, a 500 on GET /v1/infra-sets.
        readsDuringCreate.ShouldBe([$"list: {created.Id} Starting; describe: Starting; status: {created.Id}"]);
        created.Status.ShouldBe(InfraSetStatus.Starting);
    }

    private void ReadWhenCreated(string line)
    {
        if (!line.Contains(": created from artifact", StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            var list = core.List("staging").Single();
            var describe = core.Describe(list.Id)!;
            var status = core.Status("http://127.0.0.1:1", DateTimeOffset.UnixEpoch);
            readsDuringCreate.Add($"list: {list.Id} {list.Status}; describe: {describe.Status}; status: {string.Join(",", status.InfraSets.Select(s => s.Id))}");
        }
        catch (Exception e)
        {
            readsDuringCreate.Add($"{e.GetType().Name}: {e.Message}");
        }
    }
}
