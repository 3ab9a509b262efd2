using DurableDelivery.Domain.Gates;
using DurableDelivery.Providers.Aws.CloudWatch;
using DurableDelivery.Providers.Aws.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// Gates on AWS: the test puts ALB metrics per target group into moto's CloudWatch; the delivery activity reads new
/// and stable over the same window through the provider and the Domain's Kayenta-style comparison judges them.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class GateTests(MotoServer moto, ITestOutputHelper output)
{
    private static readonly GateSettings ErrorRateGate = new()
    {
        Metrics = [MetricGate.For(MetricKind.ErrorRate) with { Critical = true }],
        MinDataPoints = 30,
    };

    [Fact]
    public async Task Gate_CanaryFailsFarMoreThanStable_FailsOnErrorRate_SimilarCanaryPasses()
    {
        using var stack = await MotoStack.CreateAsync(moto, "gate");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        var stable = await CreateHealthyAsync(provider, stack, stack.AmiV1, "gate/stable");
        var bad = await CreateHealthyAsync(provider, stack, stack.AmiV2, "gate/bad");
        var good = await CreateHealthyAsync(provider, stack, stack.AmiV2, "gate/good");
        await provider.SetWeightsAsync("gate", new Dictionary<string, int> { [stable] = 80, [bad] = 10, [good] = 10 }, "gate/weights");

        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var random = new Random(7);
        await PutAsync(stack, stable, now, second => (100, random.Next(0, 2)));
        await PutAsync(stack, bad, now, second => (100, 15 + random.Next(0, 10)));
        await PutAsync(stack, good, now, second => (100, random.Next(0, 2)));

        var activities = new DeliveryActivities(provider);
        var failing = await activities.CollectGateSamplesAsync("gate", bad, stable, TimeSpan.FromSeconds(60), ErrorRateGate);
        failing.Unavailable.ShouldBeNull();
        failing.CanaryRequests.ShouldBeInRange(5_800, 6_000);
        failing.StableRequests.ShouldBeInRange(5_800, 6_000);
        var verdict = GateEvaluator.Evaluate(ErrorRateGate, failing.Samples);
        output.WriteLine($"bad canary: {verdict.Verdict} {verdict.Reason}: {verdict.Message}");
        verdict.Verdict.ShouldBe(GateVerdict.Fail);
        verdict.Reason.ShouldBe(GateReasons.GateFailed);
        verdict.Metrics.Single().Classification.ShouldBe(MetricClassification.High);

        var passing = await activities.CollectGateSamplesAsync("gate", good, stable, TimeSpan.FromSeconds(60), ErrorRateGate);
        var pass = GateEvaluator.Evaluate(ErrorRateGate, passing.Samples);
        output.WriteLine($"good canary: {pass.Verdict} {pass.Reason}: {pass.Message}");
        pass.Verdict.ShouldBe(GateVerdict.Pass);

        // moto ignores ExtendedStatistics: latency percentiles stay unknown (null), never invented, so a latency gate
        // on the emulator is inconclusive rather than passing.
        var metrics = await provider.GetMetricsAsync("gate", bad, TimeSpan.FromSeconds(60));
        metrics.Availability.ShouldBe(MetricsAvailability.Available);
        metrics.Series.Count.ShouldBe(60);
        metrics.Series.Where(s => s.Requests > 0).ShouldAllBe(s => s.LatencyP99Ms == null);
        var latencyGate = new GateSettings { Metrics = [MetricGate.For(MetricKind.LatencyP99)], MinDataPoints = 30 };
        var latency = await activities.CollectGateSamplesAsync("gate", bad, stable, TimeSpan.FromSeconds(60), latencyGate);
        GateEvaluator.Evaluate(latencyGate, latency.Samples).Verdict.ShouldBe(GateVerdict.Inconclusive);
    }

    private static async Task<string> CreateHealthyAsync(AwsInfraProvider provider, MotoStack stack, string ami, string key)
    {
        var set = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "gate", ArtifactId = ami, InstanceCount = 1 }, key);
        (await provider.WaitHealthyAsync(set.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        return set.Id;
    }

    /// <summary>One RequestCount and one HTTPCode_Target_5XX_Count per second for the last 60 seconds, as an ALB
    /// reports them.</summary>
    private static async Task PutAsync(MotoStack stack, string infraSetId, DateTimeOffset now, Func<int, (int Requests, int Errors)> traffic)
    {
        var targetGroup = (await stack.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(infraSetId), CancellationToken.None))!;
        var dimensions = new Dictionary<string, string>
        {
            ["LoadBalancer"] = AwsNames.LoadBalancerDimension(stack.LoadBalancerArn),
            ["TargetGroup"] = AwsNames.TargetGroupDimension(targetGroup.Arn),
        };
        var data = new List<MetricDatum>();
        for (var second = 0; second < 60; second++)
        {
            var (requests, errors) = traffic(second);
            var at = now.AddSeconds(-second);
            data.Add(new MetricDatum("RequestCount", dimensions, at, requests, "Count"));
            data.Add(new MetricDatum("HTTPCode_Target_5XX_Count", dimensions, at, errors, "Count"));
        }

        await stack.CloudWatch.PutMetricDataAsync(AwsInfraProvider.AlbNamespace, data, CancellationToken.None);
    }
}
