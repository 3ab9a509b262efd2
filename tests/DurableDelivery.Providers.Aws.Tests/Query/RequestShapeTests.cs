using DurableDelivery.Providers.Aws.CloudWatch;
using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.Query;

/// <summary>
/// Every Query request the provider sends, captured on the wire during a full lifecycle, matches AWS's own service
/// models (Debian's python3-botocore): action, API version, signing name, parameter names, value types, required
/// members.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class RequestShapeTests(MotoServer moto, ITestOutputHelper output)
{
    /// <summary>Every action the three Query clients can send.</summary>
    private static readonly string[] AllActions =
    [
        "autoscaling:CreateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup", "autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup",
        "elasticloadbalancing:AddTags", "elasticloadbalancing:CreateRule", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:RemoveTags", "monitoring:GetMetricStatistics", "monitoring:PutMetricData",
    ];

    [Fact]
    public async Task EveryQueryRequest_MatchesAwsServiceModel()
    {
        var models = new ServiceModels();
        output.WriteLine($"service models from {models.DataDirectory}");
        using var stack = await MotoStack.CreateAsync(moto, "shape");
        using var recorder = new RecordingHandler();
        using var provider = stack.Provider(new XunitLoggerProvider(output), handler: recorder);

        await provider.EnsureListenerAsync(new ListenerSpec { Environment = "shape" }, "shape/listener");
        var spec = new InfraSetSpec { Environment = "shape", ArtifactId = stack.AmiV1, InstanceCount = 2, HealthCheckPath = "/ready", Settings = new Dictionary<string, string> { ["LOG_LEVEL"] = "debug" } };
        var v1 = await provider.CreateInfraSetAsync(spec, "shape/v1");
        var v2 = await provider.CreateInfraSetAsync(spec with { ArtifactId = stack.AmiV2 }, "shape/v2");
        await provider.WaitHealthyAsync(v2.Id, TimeSpan.FromSeconds(20));
        await provider.SetWeightsAsync("shape", new Dictionary<string, int> { [v1.Id] = 90, [v2.Id] = 10 }, "shape/w1");
        var tg = (await provider.Clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(v2.Id), CancellationToken.None))!;
        await provider.Clients.CloudWatch.PutMetricDataAsync(
            AwsInfraProvider.AlbNamespace,
            [new MetricDatum("RequestCount", new Dictionary<string, string> { ["TargetGroup"] = AwsNames.TargetGroupDimension(tg.Arn), ["LoadBalancer"] = AwsNames.LoadBalancerDimension(stack.ListenerArn) }, DateTimeOffset.UtcNow, 5, "Count")],
            CancellationToken.None);
        await provider.GetMetricsAsync("shape", v2.Id, TimeSpan.FromSeconds(30));
        await provider.DescribeReadinessAsync("shape");
        await provider.SetWeightsAsync("shape", new Dictionary<string, int> { [v1.Id] = 100, [v2.Id] = 0 }, "shape/w2");
        await provider.DrainAsync("shape", v2.Id, TimeSpan.FromSeconds(1), "shape/drain");
        await provider.DeleteInfraSetAsync(v2.Id, "shape/delete");
        await provider.Clients.LoadBalancing.RemoveTagsAsync(stack.ListenerArn, [AwsNames.TombstoneTagPrefix + v2.Id], CancellationToken.None);

        var requests = recorder.Requests.ToList();
        requests.Select(r => $"{r.Service}:{r.Action}").Distinct().Order(StringComparer.Ordinal).ShouldBe(AllActions);
        var problems = requests.SelectMany(models.Check).Distinct().ToList();
        foreach (var group in requests.GroupBy(r => $"{r.Service}:{r.Action}"))
        {
            output.WriteLine($"{group.Key}: {group.Count()} requests, parameters {string.Join(" ", group.SelectMany(r => r.Parameters.Select(p => p.Key)).Distinct().Order(StringComparer.Ordinal).Take(12))}");
        }

        problems.ShouldBeEmpty(string.Join("\n", problems));
    }

    [Fact]
    public void Checker_RejectsWhatAwsWouldNot()
    {
        var models = new ServiceModels();
        models.Check(new RecordedQuery("autoscaling", "CreateAutoScalingGroup", "2011-01-01", [new("AutoScalingGroupName", "g"), new("MinSize", "one"), new("TargetGroupArns.member.1", "x")]))
            .ShouldBe([
                "CreateAutoScalingGroup MinSize: 'one' is not an integer",
                "CreateAutoScalingGroup TargetGroupArns.member.1: 'TargetGroupArns' is not a member of CreateAutoScalingGroupType",
                "CreateAutoScalingGroup: required MaxSize is missing",
            ]);
        models.Check(new RecordedQuery("elasticloadbalancing", "ModifyListener", "2015-12-01", [new("ListenerArn", "a"), new("DefaultActions.1.Type", "forward")]))
            .ShouldBe(["ModifyListener DefaultActions.1.Type: list Actions needs '.member.N'"]);
        models.Check(new RecordedQuery("monitoring", "GetMetricStats", "2010-08-01", [])).ShouldBe(["no operation GetMetricStats"]);
        models.Check(new RecordedQuery("elasticloadbalancing", "DescribeListeners", "2012-06-01", [])).ShouldBe(["Version 2012-06-01, model says 2015-12-01"]);
    }
}
