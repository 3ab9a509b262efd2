using System.Diagnostics;
using System.Text.Json;
using DurableDelivery.Providers.Local.Server;
using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>
/// The provider process dies (SIGKILL) where its state does not name every instance process it started: the restarted
/// provider finds them by their markers (<c>DD_PROVIDER_ROOT</c>, <c>DD_INSTANCE_ID</c>), adopts one per instance and
/// kills the rest, and never touches the processes of a provider on another data dir.
/// </summary>
public sealed class ProviderCrashTests
{
    [Fact]
    public async Task ProviderKilledAfterSpawnBeforePidSaved_Restarted_AdoptsThatProcessAndStartsNoOther()
    {
        var provider = new ProviderProcessFixture();
        var foreign = new List<Process>();
        try
        {
            var client = provider.Client;
            await provider.StartAsync(new Dictionary<string, string> { [CrashPoints.Variable] = CrashPoints.InstanceSpawned });
            var listener = await client.EnsureListenerAsync(new ListenerSpec { Environment = "crash" }, "crash/listener");
            var crashingPid = provider.ProviderPid;

            try
            {
                await client.CreateInfraSetAsync(new InfraSetSpec { Environment = "crash", ArtifactId = "sample-v1" }, "crash/create");
            }
            catch (InfraProviderUnavailableException)
            {
                // The provider may die before it answers: the instance starts on another thread right after the save.
            }

            await Eventually.EventuallyAsync(() => !DetachedProcess.IsAlive(crashingPid), TimeSpan.FromSeconds(10), "the provider dies at the crash point");
            File.ReadAllText(provider.Paths.ProviderLog).ShouldContain($"crash point {CrashPoints.InstanceSpawned}:1 reached: SIGKILL");

            // The gap: the infra-set and its port are saved, the instance runs, its pid is not saved.
            const string setId = "crash-sample-v1-0001";
            const string instanceId = setId + "-i0";
            var recorded = ReadInstanceRecord(provider, instanceId);
            recorded.ProcessId.ShouldBeNull();
            var orphan = provider.InstanceProcesses(instanceId).ShouldHaveSingleItem();
            DetachedProcess.IsAlive(orphan).ShouldBeTrue();

            // Another provider's process for the same instance id (tests on other data dirs run at the same time).
            foreign.Add(StartMarked(provider, Path.Combine(provider.DataDirectory, "other", "local-provider"), instanceId));

            var status = await provider.StartAsync();
            status.ProcessId.ShouldNotBe(crashingPid);
            var healthy = await client.WaitHealthyAsync(setId, ProviderProcessFixture.HealthyWithin);
            healthy.Status.ShouldBe(InfraSetStatus.Healthy, healthy.StatusMessage);
            var instance = healthy.Instances.ShouldHaveSingleItem();
            instance.ProcessId.ShouldBe(orphan);
            instance.Restarts.ShouldBe(0);
            instance.Endpoint.ShouldBe($"http://127.0.0.1:{recorded.Port}");
            provider.InstanceProcesses(instanceId).ShouldBe([orphan]);
            ReadInstanceRecord(provider, instanceId).ProcessId.ShouldBe(orphan);
            foreign.ShouldAllBe(process => DetachedProcess.IsAlive(process.Id));
            var log = File.ReadAllText(provider.Paths.ProviderLog);
            log.ShouldContain($"instance {instanceId}: adopted unrecorded pid {orphan} on port {recorded.Port} (no pid was recorded;");
            log.ShouldNotContain("is taken by another process");

            // Traffic through the listener reaches the adopted process.
            await client.SetWeightsAsync("crash", new Dictionary<string, int> { [setId] = 100 }, "crash/weights");
            using var http = new HttpClient();
            for (var i = 0; i < 5; i++)
            {
                using var response = await http.GetAsync(new Uri(listener.Endpoint + "/"));
                response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
                response.Headers.GetValues("X-DD-Infra-Set").ShouldBe([setId]);
                (await response.Content.ReadAsStringAsync()).ShouldContain($"\"instance\":\"{instanceId}\"");
            }

            provider.InstanceProcesses(instanceId).ShouldBe([orphan]);
        }
        finally
        {
            await provider.DisposeAsync();
            KillAll(foreign);
        }
    }

    [Fact]
    public async Task ProviderRestarted_KillsItsDuplicatesAndStrays_LeavesOtherProvidersProcessesAlone()
    {
        var provider = new ProviderProcessFixture();
        var started = new List<Process>();
        try
        {
            await provider.StartAsync();
            var client = provider.Client;
            await client.EnsureListenerAsync(new ListenerSpec { Environment = "sweep" }, "sweep/listener");
            var set = await provider.CreateHealthyAsync("sweep", "sample-v1", "sweep/create");
            var instance = set.Instances.ShouldHaveSingleItem();
            var pid = instance.ProcessId.ShouldNotBeNull();
            await provider.KillProviderAsync();

            // While it is down: a duplicate of its instance (a shell with a child that inherits the markers), a process for
            // an instance its state does not know (as left by a provider that died before saving an infra-set or its
            // deletion), and processes of another provider with the same ids.
            const string ghostId = "sweep-sample-v2-0099-i0";
            var otherRoot = Path.Combine(provider.DataDirectory, "other", "local-provider");
            var duplicate = StartMarked(provider, provider.Paths.Root, instance.Id, "sh", "-c", "sleep 600 & wait");
            var stray = StartMarked(provider, provider.Paths.Root, ghostId);
            var foreignSame = StartMarked(provider, otherRoot, instance.Id);
            var foreignGhost = StartMarked(provider, otherRoot, ghostId);
            started.AddRange([duplicate, stray, foreignSame, foreignGhost]);
            var duplicateChild = await Eventually.UntilAsync(
                () => Task.FromResult(provider.InstanceProcesses(instance.Id).Except([pid, duplicate.Id]).ToList()),
                children => children.Count == 1,
                TimeSpan.FromSeconds(10),
                "the duplicate's child starts");

            await provider.StartAsync();
            await Eventually.EventuallyAsync(
                () => !DetachedProcess.IsAlive(duplicate.Id) && !DetachedProcess.IsAlive(duplicateChild[0]) && !DetachedProcess.IsAlive(stray.Id),
                TimeSpan.FromSeconds(10),
                "the duplicate, its child and the stray are killed");
            var again = await client.WaitHealthyAsync(set.Id, ProviderProcessFixture.HealthyWithin);
            again.Status.ShouldBe(InfraSetStatus.Healthy, again.StatusMessage);
            again.Instances.ShouldHaveSingleItem().ProcessId.ShouldBe(pid);
            provider.InstanceProcesses(instance.Id).ShouldBe([pid]);
            provider.InstanceProcesses(ghostId).ShouldBeEmpty();
            DetachedProcess.IsAlive(foreignSame.Id).ShouldBeTrue();
            DetachedProcess.IsAlive(foreignGhost.Id).ShouldBeTrue();
            var log = File.ReadAllText(provider.Paths.ProviderLog);
            log.ShouldContain($"instance {instance.Id}: killed duplicate pid {duplicate.Id} and 1 process(es) it started (port 1); pid {pid} is kept");
            log.ShouldContain($"instance {instance.Id}: re-adopted pid {pid} on port");
            log.ShouldContain($"instance {ghostId}: killed stray pid {stray.Id} (port 1), an instance the state does not know");
        }
        finally
        {
            await provider.DisposeAsync();
            KillAll(started);
        }
    }

    /// <summary>A stand-in instance process (sleep) carrying a provider root and an instance id, as the provider marks its own.</summary>
    private static Process StartMarked(ProviderProcessFixture provider, string root, string instanceId, string command = "sleep", params string[] arguments) => DetachedProcess.Start(
        command,
        arguments.Length > 0 ? arguments : ["600"],
        new Dictionary<string, string>
        {
            [InstanceRuntime.ProviderRootVariable] = root,
            [InstanceRuntime.InstanceIdVariable] = instanceId,
            ["PORT"] = "1",
        },
        Path.Combine(provider.DataDirectory, "marked.log"));

    private static void KillAll(List<Process> processes)
    {
        foreach (var process in processes)
        {
            DetachedProcess.Kill(process.Id);
            process.WaitForExit(TimeSpan.FromSeconds(10));
            process.Dispose();
        }
    }

    private static (int? ProcessId, int Port) ReadInstanceRecord(ProviderProcessFixture provider, string instanceId)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(provider.Paths.StateFile));
        var instance = state.RootElement.GetProperty("infraSets").EnumerateArray()
            .SelectMany(set => set.GetProperty("instances").EnumerateArray())
            .Single(candidate => candidate.GetProperty("id").GetString() == instanceId);
        var pid = instance.GetProperty("processId");
        return (pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : null, instance.GetProperty("port").GetInt32());
    }
}
