using Amazon.EC2.Model;
using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>Rollback readiness: a kept infra-set whose AMI was deregistered, or whose group was scaled to zero, shows
/// it.</summary>
[Collection(MotoCollection.Name)]
public sealed class ReadinessTests(MotoServer moto, ITestOutputHelper output)
{
    [Fact]
    public async Task Readiness_WarmGroupsProbed_DeregisteredAmiAndEmptyGroupReported()
    {
        using var stack = await MotoStack.CreateAsync(moto, "ready");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        var v1 = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "ready", ArtifactId = stack.AmiV1, InstanceCount = 2 }, "ready/v1");
        var v2 = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "ready", ArtifactId = stack.AmiV2, InstanceCount = 2 }, "ready/v2");
        (await provider.WaitHealthyAsync(v2.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        await provider.SetWeightsAsync("ready", new Dictionary<string, int> { [v1.Id] = 0, [v2.Id] = 100 }, "ready/w1");

        var all = await provider.DescribeReadinessAsync("ready");
        all.Select(r => r.InfraSetId).ShouldBe([v1.Id, v2.Id]);
        all.ShouldAllBe(r => r.Ready && r.HealthyTargets == 2 && r.InService == 2 && r.LaunchTemplateVersionExists && r.ImageAvailable);
        all[0].Weight.ShouldBe(0);
        all[1].Weight.ShouldBe(100);
        all[0].GroupName.ShouldBe(AwsNames.GroupName(v1.Id));
        all[0].TargetGroupArn.ShouldNotBeNull();

        // The rollback target can no longer be relaunched: its AMI is gone.
        await stack.Ec2.DeregisterImageAsync(new DeregisterImageRequest { ImageId = stack.AmiV1 });
        var afterAmi = (await provider.DescribeReadinessAsync("ready"))[0];
        afterAmi.Ready.ShouldBeFalse();
        afterAmi.ImageAvailable.ShouldBeFalse();
        afterAmi.Problems.ShouldBe([$"AMI {stack.AmiV1} no longer exists (deregistered?)"]);

        // The environment's periodic health check reads DescribeInfraSet: it still takes traffic, but says it could not be relaunched.
        var described = (await provider.DescribeInfraSetAsync(v1.Id))!;
        described.Status.ShouldBe(InfraSetStatus.Healthy);
        described.StatusMessage.ShouldEndWith($"; cannot be relaunched: AMI {stack.AmiV1} no longer exists (deregistered?)");

        // Someone scaled the warm group to zero: it could not take traffic back.
        await stack.AutoScaling.UpdateCapacityAsync(AwsNames.GroupName(v2.Id), 0, CancellationToken.None);
        var empty = (await provider.DescribeReadinessAsync("ready"))[1];
        empty.Problems.ShouldBe(["the group is scaled to 0"]);
        (await provider.DescribeInfraSetAsync(v2.Id))!.Status.ShouldNotBe(InfraSetStatus.Healthy);
    }
}
