using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>A retried create never makes a second group; a key reused for another spec is refused.</summary>
[Collection(MotoCollection.Name)]
public sealed class IdempotencyTests(MotoServer moto, ITestOutputHelper output)
{
    [Fact]
    public async Task Create_SameKeyTwiceAndConcurrently_OneGroupOneTargetGroup()
    {
        using var stack = await MotoStack.CreateAsync(moto, "idem");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        var spec = new InfraSetSpec { Environment = "idem", ArtifactId = stack.AmiV1, InstanceCount = 2 };

        var first = await provider.CreateInfraSetAsync(spec, "delivery/idem/1/create");
        var second = await provider.CreateInfraSetAsync(spec, "delivery/idem/1/create");
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => provider.CreateInfraSetAsync(spec, "delivery/idem/1/create")));

        second.Id.ShouldBe(first.Id);
        concurrent.ShouldAllBe(c => c.Id == first.Id);
        (await stack.GroupsAsync()).Select(g => g.Name).ShouldBe([AwsNames.GroupName(first.Id)]);
        (await stack.TargetGroupsAsync()).Count.ShouldBe(1);
        (await stack.TemplateVersionDescriptionsAsync()).Count.ShouldBe(1);
        (await stack.GroupsAsync())[0].Instances.Count.ShouldBe(2);

        var conflict = await Should.ThrowAsync<InfraRequestRejectedException>(() =>
            provider.CreateInfraSetAsync(spec with { InstanceCount = 3 }, "delivery/idem/1/create"));
        conflict.Reason.ShouldBe(InfraProviderErrorReason.IdempotencyKeyConflict);
        conflict.Message.ShouldBe($"Infra-set {first.Id} was created under this idempotency key from a different spec; use a new key for a new spec.");
        (await stack.GroupsAsync()).Count.ShouldBe(1);

        var other = await provider.CreateInfraSetAsync(spec, "delivery/idem/2/create");
        other.Id.ShouldNotBe(first.Id);
        (await stack.GroupsAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Create_ConcurrentAttemptsFromScratch_OneGroupOneTargetGroupSameTemplateVersion()
    {
        using var stack = await MotoStack.CreateAsync(moto, "race");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        var spec = new InfraSetSpec { Environment = "race", ArtifactId = stack.AmiV2, InstanceCount = 1 };

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => provider.CreateInfraSetAsync(spec, "delivery/race/1/create"))));

        attempts.Select(a => a.Id).Distinct().Count().ShouldBe(1);
        var groups = await stack.GroupsAsync();
        groups.Count.ShouldBe(1);
        (await stack.TargetGroupsAsync()).Count.ShouldBe(1);

        // Every attempt settled on the lowest template version made for the infra-set (moto cannot delete the others).
        var versions = await stack.Ec2.DescribeLaunchTemplateVersionsAsync(new() { LaunchTemplateId = stack.LaunchTemplateId });
        var lowest = versions.LaunchTemplateVersions.Where(v => v.VersionDescription == AwsNames.TemplateVersionDescription(attempts[0].Id)).Min(v => v.VersionNumber);
        groups[0].LaunchTemplateVersion.ShouldBe(lowest.ToString());
    }
}
