using DurableDelivery.Providers.Local.Tests.Support;

namespace DurableDelivery.Providers.Local.Tests.EndToEnd;

/// <summary>Two infra-sets of the sample service behind one listener; weights shift under steady load.</summary>
public sealed class WeightShiftTests : IClassFixture<ProviderProcessFixture>
{
    private const int Samples = 1000;
    private readonly ProviderProcessFixture provider;

    public WeightShiftTests(ProviderProcessFixture provider) => this.provider = provider;

    [Fact]
    public async Task SetWeights_UnderLoad_ServedSplitFollowsEachShiftAndNoRequestFails()
    {
        var client = provider.Client;
        var listener = await client.EnsureListenerAsync(new ListenerSpec { Environment = "shift" }, "shift/listener");
        var v1 = await provider.CreateHealthyAsync("shift", "sample-v1", "shift/create-v1");
        var v2 = await provider.CreateHealthyAsync("shift", "sample-v2", "shift/create-v2");

        var applied = await client.SetWeightsAsync("shift", new Dictionary<string, int> { [v1.Id] = 0, [v2.Id] = 100 }, "shift/w1");
        await using var traffic = new Traffic(listener.Endpoint, requestsPerSecond: 400);
        var split = await traffic.SplitAfterAsync(Traffic.Now, Samples);
        split.ShouldBe(new Dictionary<string, double> { ["v2"] = 1.0 });

        applied = await client.SetWeightsAsync("shift", new Dictionary<string, int> { [v1.Id] = 90, [v2.Id] = 10 }, "shift/w2");
        var changed = Traffic.Now;
        applied.Weights.ShouldBe(new Dictionary<string, int> { [v1.Id] = 90, [v2.Id] = 10 });
        applied.Revision.ShouldBe(2);
        (await client.GetWeightsAsync("shift")).ShouldBeEquivalentTo(applied);
        split = await traffic.SplitAfterAsync(changed, Samples);
        split["v1"].ShouldBe(0.90, tolerance: 0.04);
        split["v2"].ShouldBe(0.10, tolerance: 0.04);

        applied = await client.SetWeightsAsync("shift", new Dictionary<string, int> { [v1.Id] = 0, [v2.Id] = 100 }, "shift/w3");
        changed = Traffic.Now;
        applied.Revision.ShouldBe(3);
        split = await traffic.SplitAfterAsync(changed, Samples);
        split.ShouldBe(new Dictionary<string, double> { ["v2"] = 1.0 });

        var report = await traffic.StopAsync();
        report.Failed.ShouldBe(0);
        report.ByStatus.Keys.ShouldBe([200]);

        // The listener's own metrics count exactly what the load generator saw per version.
        var v1Metrics = await client.GetMetricsAsync("shift", v1.Id, TimeSpan.FromSeconds(120));
        var v2Metrics = await client.GetMetricsAsync("shift", v2.Id, TimeSpan.FromSeconds(120));
        v1Metrics.Totals.Requests.ShouldBe(report.ByVersion["v1"]);
        v2Metrics.Totals.Requests.ShouldBe(report.ByVersion["v2"]);
        v1Metrics.Totals.Errors5xx.ShouldBe(0);
        v1Metrics.Series.Count.ShouldBe(120);
        v1Metrics.Series.Sum(s => s.Requests).ShouldBe(v1Metrics.Totals.Requests);
        v2Metrics.Totals.LatencyP50Ms.ShouldNotBeNull().ShouldBeGreaterThan(0);
        v2Metrics.InFlight.ShouldBe(0);
    }

    [Fact]
    public async Task Metrics_OfFailingVersion_CountFiveHundredsPerSecond()
    {
        var client = provider.Client;
        var listener = await client.EnsureListenerAsync(new ListenerSpec { Environment = "failing" }, "failing/listener");
        var v3 = await provider.CreateHealthyAsync("failing", "sample-v3", "failing/create-v3");
        await client.SetWeightsAsync("failing", new Dictionary<string, int> { [v3.Id] = 1 }, "failing/w1");

        using var load = new Load.LoadGenerator();
        var report = await load.RunAsync(new Load.LoadOptions { Target = new Uri(listener.Endpoint), RequestsPerSecond = 500, Duration = TimeSpan.FromSeconds(2) });

        var metrics = await client.GetMetricsAsync("failing", v3.Id, TimeSpan.FromSeconds(30));
        metrics.Availability.ShouldBe(MetricsAvailability.Available);
        metrics.Totals.Requests.ShouldBe(report.Completed);
        metrics.Totals.Errors5xx.ShouldBe(report.ByStatus[500]);
        metrics.Totals.ErrorRate.ShouldNotBeNull().ShouldBe(0.30, tolerance: 0.01);
        metrics.Series.Count.ShouldBe(30);
        metrics.Series.Sum(s => s.Errors5xx).ShouldBe(metrics.Totals.Errors5xx, "the per-second series adds up to the totals");
        metrics.Series.Where(s => s.Requests > 0).ShouldAllBe(s => s.LatencyP99Ms >= s.LatencyP50Ms);

        // A second that carries only the load's first or last few requests may, by chance, see no 5xx at a 30% failure
        // rate (0.7^3 = 34%); a full second of ~500 requests cannot (0.7^50 < 1e-7 already).
        metrics.Series.Where(s => s.Requests >= 50).ShouldAllBe(s => s.Errors5xx > 0);
        metrics.Series.Count(s => s.Requests >= 50).ShouldBeGreaterThan(0);
    }
}
