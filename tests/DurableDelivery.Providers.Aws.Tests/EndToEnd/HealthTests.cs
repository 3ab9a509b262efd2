using Amazon.EC2.Model;
using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>Traffic never moves to an infra-set whose targets are not all healthy; a wait that times out is an
/// answer.</summary>
[Collection(MotoCollection.Name)]
public sealed class HealthTests(MotoServer moto, ITestOutputHelper output)
{
    [Fact]
    public async Task StoppedInstance_Degraded_WaitTimesOutWithAnswer_WeightRefusedAsNotHealthy()
    {
        using var stack = await MotoStack.CreateAsync(moto, "health");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        var v1 = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "health", ArtifactId = stack.AmiV1, InstanceCount = 2 }, "health/v1");
        (await provider.WaitHealthyAsync(v1.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        var v2 = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "health", ArtifactId = stack.AmiV2, InstanceCount = 2 }, "health/v2");
        var healthy = await provider.WaitHealthyAsync(v2.Id, TimeSpan.FromSeconds(20));
        await provider.SetWeightsAsync("health", new Dictionary<string, int> { [v1.Id] = 100, [v2.Id] = 0 }, "health/w1");

        // One of v2's instances stops: its target turns 'unused' (Target.InvalidState) in moto.
        var stopped = healthy.Instances[0].Id;
        await stack.Ec2.StopInstancesAsync(new StopInstancesRequest { InstanceIds = [stopped] });

        var waited = await provider.WaitHealthyAsync(v2.Id, TimeSpan.FromMilliseconds(300));
        waited.Status.ShouldBe(InfraSetStatus.Degraded);
        waited.StatusMessage.ShouldStartWith("1 of 2 instances healthy");
        waited.StatusMessage.ShouldContain($"{stopped} unused (Target.InvalidState)");
        waited.Instances.Single(i => i.Id == stopped).Healthy.ShouldBeFalse();

        var refused = await Should.ThrowAsync<InfraRequestRejectedException>(() =>
            provider.SetWeightsAsync("health", new Dictionary<string, int> { [v1.Id] = 90, [v2.Id] = 10 }, "health/w2"));
        refused.Reason.ShouldBe(InfraProviderErrorReason.InfraSetNotHealthy);
        refused.IsRetryable.ShouldBeTrue();
        refused.Message.ShouldBe($"Infra-set {v2.Id} is Degraded ({waited.StatusMessage}); wait until it is healthy before giving it weight 10.");
        (await stack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [v1.Id] = 100, [v2.Id] = 0 }, ignoreOrder: true);

        // Weight 0 on an unhealthy infra-set is allowed (it takes nothing), and so is rolling everything back to v1.
        (await provider.SetWeightsAsync("health", new Dictionary<string, int> { [v1.Id] = 100 }, "health/w3")).Weights.ShouldBe(new Dictionary<string, int> { [v1.Id] = 100 });
        (await provider.DescribeReadinessAsync("health")).Single(r => r.InfraSetId == v2.Id).Problems.ShouldBe(["1 of 2 targets healthy"]);
    }
}
