using DurableDelivery.Providers.Aws.Query;
using DurableDelivery.Providers.Aws.Tests.Support;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// A create that fails at any one of its steps, before or after the step reached AWS, is completed by the retry with
/// the same key: exactly one group, one target group and one launch template version, healthy. A step AWS refuses
/// outright removes what was already made.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class CompensationTests(MotoServer moto, ITestOutputHelper output)
{
    public static TheoryData<string, FaultTiming> Steps()
    {
        var data = new TheoryData<string, FaultTiming>();
        foreach (var step in new[] { "CreateLaunchTemplateVersionAsync", "CreateTargetGroupAsync", "ModifyTargetGroupAttributesAsync", "CreateHeaderRuleAsync", "CreateAutoScalingGroupAsync" })
        {
            data.Add(step, FaultTiming.Before);
            data.Add(step, FaultTiming.After);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Create_StepFailsOnce_RetryWithSameKeyCompletesWithoutDuplicates(string step, FaultTiming timing)
    {
        var environment = $"comp{Math.Abs(HashCode.Combine(step, timing)) % 100000}";
        using var stack = await MotoStack.CreateAsync(moto, environment);
        using var real = stack.Provider(new XunitLoggerProvider(output));
        var plan = new FaultPlan(step, timing, () => new HttpRequestException($"injected: connection reset {timing.ToString().ToLowerInvariant()} {step}"));
        var provider = new AwsInfraProvider(real.Options, FaultPlan.Wrap(real.Clients, plan), new XunitLoggerProvider(output).CreateLogger("faulty"));
        var spec = new InfraSetSpec { Environment = environment, ArtifactId = stack.AmiV2, InstanceCount = 2 };

        var failure = await Should.ThrowAsync<InfraProviderUnavailableException>(() => provider.CreateInfraSetAsync(spec, "delivery/comp/create"));
        failure.Reason.ShouldBe(InfraProviderErrorReason.ProviderUnavailable);
        failure.IsRetryable.ShouldBeTrue();
        plan.Fired.ShouldBeTrue();

        var created = await provider.CreateInfraSetAsync(spec, "delivery/comp/create");
        (await provider.WaitHealthyAsync(created.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        (await stack.GroupsAsync()).Count.ShouldBe(1);
        (await stack.TargetGroupsAsync()).Count.ShouldBe(1);
        (await stack.TemplateVersionDescriptionsAsync()).ShouldBe([AwsNames.TemplateVersionDescription(created.Id)]);
        (await stack.GroupsAsync())[0].TargetGroupArns.ShouldBe(await stack.TargetGroupsAsync());
        (await stack.RuleHeaderValuesAsync()).ShouldBe([created.Id]);
    }

    [Fact]
    public async Task Create_AwsRefusesTheGroup_RemovesTargetGroupAndReportsOneLine()
    {
        using var stack = await MotoStack.CreateAsync(moto, "refused");
        using var real = stack.Provider(new XunitLoggerProvider(output));
        var plan = new FaultPlan("CreateAutoScalingGroupAsync", FaultTiming.Before, () =>
            new AwsQueryException("autoscaling", "CreateAutoScalingGroup", 400, "ValidationError", "You have requested more instances than your current instance limit allows", "req-1"));
        var provider = new AwsInfraProvider(real.Options, FaultPlan.Wrap(real.Clients, plan), new XunitLoggerProvider(output).CreateLogger("faulty"));
        var spec = new InfraSetSpec { Environment = "refused", ArtifactId = stack.AmiV1, InstanceCount = 2 };

        var refused = await Should.ThrowAsync<InfraRequestRejectedException>(() => provider.CreateInfraSetAsync(spec, "delivery/refused/create"));
        var id = AwsNames.InfraSetId(spec, "delivery/refused/create");
        refused.Reason.ShouldBe(InfraProviderErrorReason.InvalidSpec);
        refused.Message.ShouldBe($"AWS refused CreateAutoScalingGroup for infra-set {id}: ValidationError: You have requested more instances than your current instance limit allows (request id req-1); nothing was kept. Fix the stack or settings and retry.");
        (await stack.GroupsAsync()).ShouldBeEmpty();
        (await stack.TargetGroupsAsync()).ShouldBeEmpty();
        (await stack.RuleHeaderValuesAsync()).ShouldBeEmpty();
        (await provider.DescribeInfraSetAsync(id)).ShouldBeNull();

        // moto lacks DeleteLaunchTemplateVersions, so the tests run with 'deleteLaunchTemplateVersions' off and the
        // (unused, free) template version stays: the one place a refused create leaves something behind in moto.
        (await stack.TemplateVersionDescriptionsAsync()).ShouldBe([AwsNames.TemplateVersionDescription(id)]);
    }
}
