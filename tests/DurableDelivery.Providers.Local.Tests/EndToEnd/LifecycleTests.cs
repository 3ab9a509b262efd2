using System.Diagnostics;
using DurableDelivery.Providers.Local.Server;
using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>Crash restarts, health timeouts, drain and delete, and the process lifecycle.</summary>
public sealed class LifecycleTests : IClassFixture<ProviderProcessFixture>
{
    private readonly ProviderProcessFixture provider;

    public LifecycleTests(ProviderProcessFixture provider) => this.provider = provider;

    [Fact]
    public async Task InstanceCrashesAfterStart_IsRestartedAndCounted()
    {
        var created = await provider.Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "crash", ArtifactId = "sample-crashing" }, "crash/create");

        InfraSetInfo? seen = null;
        await Eventually.EventuallyAsync(
            async () => (seen = await provider.Client.DescribeInfraSetAsync(created.Id))!.Restarts >= 2,
            TimeSpan.FromSeconds(20),
            "the crashing instance is restarted twice");
        var instance = seen!.Instances.Single();
        instance.LastExit.ShouldNotBeNull().ShouldStartWith("exited with code 3 after ");
        instance.LastExit.ShouldEndWith($"see {Path.Combine(new LocalProviderPaths(provider.DataDirectory).InstanceLogs, instance.Id + ".log")}");
        seen.StatusMessage.ShouldContain($"restarts (last: {instance.Id} exited with code 3 after ");
    }

    [Fact]
    public async Task WaitHealthy_NeverHealthyArtifact_ReturnsNotHealthyAfterTimeout()
    {
        var created = await provider.Client.CreateInfraSetAsync(new InfraSetSpec { Environment = "never", ArtifactId = "sample-never-healthy" }, "never/create");
        var started = Stopwatch.GetTimestamp();
        var info = await provider.Client.WaitHealthyAsync(created.Id, TimeSpan.FromSeconds(2));
        Stopwatch.GetElapsedTime(started).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
        info.Status.ShouldBe(InfraSetStatus.Starting);
        info.StatusMessage.ShouldBe("0 of 1 instances healthy");
        info.Version.ShouldBe("v5-never-healthy");
    }

    [Fact]
    public async Task ShiftAway_Drain_Delete_InFlightRequestsFinishThenInstancesStop()
    {
        var client = provider.Client;
        var listener = await client.EnsureListenerAsync(new ListenerSpec { Environment = "drain" }, "drain/listener");
        var v1 = await provider.CreateHealthyAsync("drain", "sample-v1", "drain/create-v1");
        // Settings override the artifact's environment: 2 s per request keeps the requests in flight while the test looks.
        var slow = await client.CreateInfraSetAsync(
            new InfraSetSpec { Environment = "drain", ArtifactId = "sample-slow", Settings = new Dictionary<string, string> { ["SAMPLE_LATENCY_MS"] = "2000" } },
            "drain/create-slow");
        slow = await client.WaitHealthyAsync(slow.Id, ProviderProcessFixture.HealthyWithin);
        await client.SetWeightsAsync("drain", new Dictionary<string, int> { [slow.Id] = 100 }, "drain/w1");

        using var http = new HttpClient();
        var inFlight = Enumerable.Range(0, 20).Select(_ => http.GetAsync(new Uri(listener.Endpoint + "/"))).ToList();
        await Eventually.EventuallyAsync(
            async () => (await client.GetMetricsAsync("drain", slow.Id, TimeSpan.FromSeconds(10))).InFlight == 20,
            TimeSpan.FromSeconds(5),
            "20 slow requests in flight");
        var shifted = await client.SetWeightsAsync("drain", new Dictionary<string, int> { [v1.Id] = 100, [slow.Id] = 0 }, "drain/w2");
        shifted.Revision.ShouldBe(2);

        var drained = await client.DrainAsync("drain", slow.Id, TimeSpan.FromSeconds(10), "drain/drain-slow");
        drained.Status.ShouldBe(DrainStatus.Drained);
        drained.InFlight.ShouldBe(0);
        foreach (var response in await Task.WhenAll(inFlight))
        {
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            response.Headers.GetValues("X-Served-By-Version").Single().ShouldBe("v4-slow");
        }

        var pid = slow.Instances.Single().ProcessId!.Value;
        var deleted = await client.DeleteInfraSetAsync(slow.Id, "drain/delete-slow");
        deleted.Status.ShouldBe(InfraSetStatus.Deleted);
        DetachedProcess.IsAlive(pid).ShouldBeFalse();
        var weights = await client.GetWeightsAsync("drain");
        weights.Weights.ShouldBe(new Dictionary<string, int> { [v1.Id] = 100 });
        weights.Revision.ShouldBe(3);
        (await client.DeleteInfraSetAsync(slow.Id, "drain/delete-slow")).Status.ShouldBe(InfraSetStatus.Deleted);
        (await client.DescribeInfraSetAsync(slow.Id)).ShouldNotBeNull().Status.ShouldBe(InfraSetStatus.Deleted);
        (await client.ListInfraSetsAsync("drain")).Select(set => set.Id).ShouldBe([v1.Id]);
    }

    [Fact]
    public async Task Start_WhenAlreadyRunning_ReturnsRunningProviderAndSecondProcessRefused()
    {
        var pid = provider.ProviderPid;
        (await provider.StartAsync()).ProcessId.ShouldBe(pid);

        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { typeof(LocalInfraProvider).Assembly.Location, "serve", "--data-dir", provider.DataDirectory })
        {
            info.ArgumentList.Add(argument);
        }

        using var second = Process.Start(info)!;
        var error = await second.StandardError.ReadToEndAsync();
        await second.WaitForExitAsync();
        second.ExitCode.ShouldBe(3);
        error.Trim().ShouldBe($"Another local provider already runs on data dir {provider.DataDirectory}. Stop it with 'ddctl local down' first, or use another --data-dir.");
        provider.ProviderPid.ShouldBe(pid);
    }
}
