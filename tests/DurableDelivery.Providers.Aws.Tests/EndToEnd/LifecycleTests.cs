using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// The whole life of two versions on the AWS provider against moto: v1, v2, weights moved in steps, rolled back to v1,
/// v2 drained and deleted. After every weight change the listener's forward action is read back from moto directly.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class LifecycleTests(MotoServer moto, ITestOutputHelper output)
{
    [Fact]
    public async Task V1ThenV2_WeightSteps_RollbackToV1_DeleteV2_ListenerMatchesEveryStep()
    {
        using var stack = await MotoStack.CreateAsync(moto, "life");
        using var provider = stack.Provider(new XunitLoggerProvider(output));

        var listener = await provider.EnsureListenerAsync(new ListenerSpec { Environment = "life" }, "env/life/listener/0");
        listener.Port.ShouldBe(80);
        listener.Endpoint.ShouldStartWith("http://dd-life-");
        listener.Weights.Weights.ShouldBeEmpty();

        var v1 = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "life", ArtifactId = stack.AmiV1, InstanceCount = 2 }, "delivery/life/1/create");
        v1.Version.ShouldBe("v1");
        var healthy1 = await provider.WaitHealthyAsync(v1.Id, TimeSpan.FromSeconds(20));
        healthy1.Status.ShouldBe(InfraSetStatus.Healthy, healthy1.StatusMessage);
        healthy1.Instances.Count.ShouldBe(2);
        healthy1.Instances.ShouldAllBe(i => i.Healthy && i.Id.StartsWith("i-"));

        var revision = 0L;
        async Task StepAsync(string key, params (string Id, int Weight)[] weights)
        {
            var table = weights.ToDictionary(w => w.Id, w => w.Weight);
            var applied = await provider.SetWeightsAsync("life", table, key);
            applied.Weights.ShouldBe(table, ignoreOrder: true);
            applied.Revision.ShouldBe(++revision);
            (await stack.ListenerWeightsAsync()).ShouldBe(table, ignoreOrder: true);
            (await provider.GetWeightsAsync("life")).Weights.ShouldBe(table, ignoreOrder: true);
        }

        await StepAsync("w/1", (v1.Id, 100));

        var v2 = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "life", ArtifactId = stack.AmiV2, InstanceCount = 2 }, "delivery/life/2/create");
        v2.Version.ShouldBe("v2");
        v2.Id.ShouldNotBe(v1.Id);
        (await provider.WaitHealthyAsync(v2.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);

        (await stack.RuleHeaderValuesAsync()).Order().ShouldBe(new[] { v1.Id, v2.Id }.Order());
        await StepAsync("w/2", (v1.Id, 100), (v2.Id, 0));
        await StepAsync("w/3", (v1.Id, 90), (v2.Id, 10));
        await StepAsync("w/4", (v1.Id, 50), (v2.Id, 50));
        await StepAsync("w/5", (v1.Id, 0), (v2.Id, 100));

        // A retried step returns the same revision and changes nothing; the same key for other weights is refused.
        var again = await provider.SetWeightsAsync("life", new Dictionary<string, int> { [v1.Id] = 0, [v2.Id] = 100 }, "w/5");
        again.Revision.ShouldBe(revision);
        var conflict = await Should.ThrowAsync<InfraRequestRejectedException>(() =>
            provider.SetWeightsAsync("life", new Dictionary<string, int> { [v1.Id] = 100 }, "w/5"));
        conflict.Reason.ShouldBe(InfraProviderErrorReason.IdempotencyKeyConflict);
        (await stack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [v1.Id] = 0, [v2.Id] = 100 }, ignoreOrder: true);

        // Manual rollback: everything back on v1 in one call.
        await StepAsync("rollback/1", (v1.Id, 100), (v2.Id, 0));

        var taking = await Should.ThrowAsync<InfraRequestRejectedException>(() => provider.DeleteInfraSetAsync(v1.Id, "delete/v1"));
        taking.Reason.ShouldBe(InfraProviderErrorReason.InfraSetTakesTraffic);

        (await provider.DrainAsync("life", v2.Id, TimeSpan.FromSeconds(5), "drain/v2")).Status.ShouldBe(DrainStatus.NotSupported);
        var deleted = await provider.DeleteInfraSetAsync(v2.Id, "delete/v2");
        deleted.Status.ShouldBe(InfraSetStatus.Deleted);
        (await stack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [v1.Id] = 100 });
        (await provider.GetWeightsAsync("life")).Revision.ShouldBe(revision + 1);
        (await provider.DescribeInfraSetAsync(v2.Id))!.Status.ShouldBe(InfraSetStatus.Deleted);
        (await provider.DeleteInfraSetAsync(v2.Id, "delete/v2")).Status.ShouldBe(InfraSetStatus.Deleted);

        var left = await provider.ListInfraSetsAsync("life");
        left.Select(s => s.Id).ShouldBe([v1.Id]);
        (await stack.GroupsAsync()).Select(g => g.Name).ShouldBe([AwsNames.GroupName(v1.Id)]);
        (await stack.TargetGroupsAsync()).Count.ShouldBe(1);
        (await stack.RuleHeaderValuesAsync()).ShouldBe([v1.Id]);
    }
}
