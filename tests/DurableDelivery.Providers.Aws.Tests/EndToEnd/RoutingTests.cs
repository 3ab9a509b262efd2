using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// A worker serving two providers' environments: calls for the AWS settings' environments (and their infra-set ids) go
/// to AWS, the rest to the fallback. Here the fallback is a second AWS provider on its own environment, so each call's
/// destination is visible in moto.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class RoutingTests(MotoServer moto, ITestOutputHelper output)
{
    [Fact]
    public async Task Router_SendsEachEnvironmentAndInfraSetToItsProvider()
    {
        using var awsStack = await MotoStack.CreateAsync(moto, "route");
        using var otherStack = await MotoStack.CreateAsync(moto, "route2");
        using var aws = awsStack.Provider(new XunitLoggerProvider(output));
        using var fallback = otherStack.Provider(new XunitLoggerProvider(output));
        var router = new EnvironmentRoutedProvider(fallback, aws, ["route2"]);

        router.ForEnvironment("route").ShouldBeSameAs(aws);
        router.ForEnvironment("route2").ShouldBeSameAs(fallback);
        var a = await router.CreateInfraSetAsync(new InfraSetSpec { Environment = "route", ArtifactId = awsStack.AmiV1 }, "r/a");
        var b = await router.CreateInfraSetAsync(new InfraSetSpec { Environment = "route2", ArtifactId = otherStack.AmiV1 }, "r/b");
        router.ForInfraSet(a.Id).ShouldBeSameAs(aws);
        router.ForInfraSet(b.Id).ShouldBeSameAs(fallback);
        (await router.WaitHealthyAsync(a.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        (await router.WaitHealthyAsync(b.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        await router.SetWeightsAsync("route", new Dictionary<string, int> { [a.Id] = 100 }, "r/wa");
        await router.SetWeightsAsync("route2", new Dictionary<string, int> { [b.Id] = 100 }, "r/wb");

        (await awsStack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [a.Id] = 100 });
        (await otherStack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [b.Id] = 100 });
        (await awsStack.GroupsAsync()).Count.ShouldBe(1);
        (await otherStack.GroupsAsync()).Count.ShouldBe(1);

        // A window longer than the routed provider answers for is shortened, not refused.
        var metrics = await router.GetMetricsAsync("route", a.Id, TimeSpan.FromHours(5));
        metrics.Series.Count.ShouldBe((int)aws.Capabilities.MaxMetricsWindow.TotalSeconds);
    }

    [Fact]
    public async Task Router_EnvironmentNamesThatPrefixEachOther_Refused()
    {
        using var stack = await MotoStack.CreateAsync(moto, "pre");
        using var aws = stack.Provider();
        var e = Should.Throw<InfraRequestRejectedException>(() => new EnvironmentRoutedProvider(aws, aws, ["pre-eu"]));
        e.Message.ShouldBe("Environment names 'pre' (aws) and 'pre-eu' cannot be told apart by infra-set id; rename one so that neither is the other's prefix followed by '-'.");
    }
}
