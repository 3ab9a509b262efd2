using DurableDelivery.Providers.Aws.AutoScaling;
using DurableDelivery.Providers.Aws.CloudWatch;
using DurableDelivery.Providers.Aws.Ec2;
using DurableDelivery.Providers.Aws.LoadBalancing;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>When an injected fault fires: before the real call (nothing happened) or after it (done, but the answer is
/// lost).</summary>
public enum FaultTiming
{
    Before,
    After,
}

/// <summary>
/// The only fake in these tests: decorators at the provider's own client interfaces that fail one named call once,
/// before or after the real call reaches moto. Everything else is moto's real behaviour.
/// </summary>
internal sealed class FaultPlan(string method, FaultTiming timing, Func<Exception> fault)
{
    private int fired;

    public string Method { get; } = method;

    public bool Fired => fired > 0;

    public static AwsClients Wrap(AwsClients inner, FaultPlan plan) => new(
        new FaultyEc2(inner.Ec2, plan),
        new FaultyAutoScaling(inner.AutoScaling, plan),
        new FaultyLoadBalancing(inner.LoadBalancing, plan),
        inner.CloudWatch);

    public async Task<T> Run<T>(string name, Func<Task<T>> call)
    {
        var hit = name == Method && Interlocked.CompareExchange(ref fired, 1, 0) == 0;
        if (hit && timing == FaultTiming.Before)
        {
            throw fault();
        }

        var result = await call();
        return hit ? throw fault() : result;
    }

    public Task Run(string name, Func<Task> call) => Run(name, async () =>
    {
        await call();
        return true;
    });

    private sealed class FaultyEc2(IEc2Client inner, FaultPlan plan) : IEc2Client
    {
        public Task<Ec2Image?> DescribeImageAsync(string imageId, CancellationToken ct) => plan.Run(nameof(DescribeImageAsync), () => inner.DescribeImageAsync(imageId, ct));

        public Task<IReadOnlyList<string>> MissingSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken ct) => plan.Run(nameof(MissingSubnetsAsync), () => inner.MissingSubnetsAsync(subnetIds, ct));

        public Task<Ec2LaunchTemplate?> DescribeLaunchTemplateAsync(string idOrName, CancellationToken ct) => plan.Run(nameof(DescribeLaunchTemplateAsync), () => inner.DescribeLaunchTemplateAsync(idOrName, ct));

        public Task<IReadOnlyList<Ec2LaunchTemplateVersion>> DescribeLaunchTemplateVersionsAsync(string templateId, CancellationToken ct) => plan.Run(nameof(DescribeLaunchTemplateVersionsAsync), () => inner.DescribeLaunchTemplateVersionsAsync(templateId, ct));

        public Task<Ec2LaunchTemplateVersion?> DescribeLaunchTemplateVersionAsync(string templateId, long version, CancellationToken ct) =>
            plan.Run(nameof(DescribeLaunchTemplateVersionAsync), () => inner.DescribeLaunchTemplateVersionAsync(templateId, version, ct));

        public Task<long> CreateLaunchTemplateVersionAsync(string templateId, string sourceVersion, string imageId, string description, CancellationToken ct) =>
            plan.Run(nameof(CreateLaunchTemplateVersionAsync), () => inner.CreateLaunchTemplateVersionAsync(templateId, sourceVersion, imageId, description, ct));

        public Task DeleteLaunchTemplateVersionAsync(string templateId, long version, CancellationToken ct) => plan.Run(nameof(DeleteLaunchTemplateVersionAsync), () => inner.DeleteLaunchTemplateVersionAsync(templateId, version, ct));

        public Task<IReadOnlyList<Ec2Instance>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken ct) => plan.Run(nameof(DescribeInstancesAsync), () => inner.DescribeInstancesAsync(instanceIds, ct));
    }

    private sealed class FaultyAutoScaling(IAutoScalingClient inner, FaultPlan plan) : IAutoScalingClient
    {
        public Task<IReadOnlyList<AutoScalingGroup>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> names, KeyValuePair<string, string>? tag, CancellationToken ct) =>
            plan.Run(nameof(DescribeAutoScalingGroupsAsync), () => inner.DescribeAutoScalingGroupsAsync(names, tag, ct));

        public Task CreateAutoScalingGroupAsync(CreateAutoScalingGroupRequest request, CancellationToken ct) => plan.Run(nameof(CreateAutoScalingGroupAsync), () => inner.CreateAutoScalingGroupAsync(request, ct));

        public Task UpdateCapacityAsync(string name, int capacity, CancellationToken ct) => plan.Run(nameof(UpdateCapacityAsync), () => inner.UpdateCapacityAsync(name, capacity, ct));

        public Task DeleteAutoScalingGroupAsync(string name, CancellationToken ct) => plan.Run(nameof(DeleteAutoScalingGroupAsync), () => inner.DeleteAutoScalingGroupAsync(name, ct));
    }

    private sealed class FaultyLoadBalancing(ILoadBalancingClient inner, FaultPlan plan) : ILoadBalancingClient
    {
        public Task<Listener> DescribeListenerAsync(string listenerArn, CancellationToken ct) => plan.Run(nameof(DescribeListenerAsync), () => inner.DescribeListenerAsync(listenerArn, ct));

        public Task<LoadBalancer> DescribeLoadBalancerAsync(string loadBalancerArn, CancellationToken ct) => plan.Run(nameof(DescribeLoadBalancerAsync), () => inner.DescribeLoadBalancerAsync(loadBalancerArn, ct));

        public Task<TargetGroup?> FindTargetGroupAsync(string name, CancellationToken ct) => plan.Run(nameof(FindTargetGroupAsync), () => inner.FindTargetGroupAsync(name, ct));

        public Task<TargetGroup> CreateTargetGroupAsync(CreateTargetGroupRequest request, CancellationToken ct) => plan.Run(nameof(CreateTargetGroupAsync), () => inner.CreateTargetGroupAsync(request, ct));

        public Task ModifyTargetGroupAttributesAsync(string targetGroupArn, IReadOnlyDictionary<string, string> attributes, CancellationToken ct) =>
            plan.Run(nameof(ModifyTargetGroupAttributesAsync), () => inner.ModifyTargetGroupAttributesAsync(targetGroupArn, attributes, ct));

        public Task DeleteTargetGroupAsync(string targetGroupArn, CancellationToken ct) => plan.Run(nameof(DeleteTargetGroupAsync), () => inner.DeleteTargetGroupAsync(targetGroupArn, ct));

        public Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct) => plan.Run(nameof(DescribeTargetHealthAsync), () => inner.DescribeTargetHealthAsync(targetGroupArn, ct));

        public Task ModifyListenerForwardAsync(string listenerArn, IReadOnlyList<WeightedTargetGroup> targetGroups, CancellationToken ct) =>
            plan.Run(nameof(ModifyListenerForwardAsync), () => inner.ModifyListenerForwardAsync(listenerArn, targetGroups, ct));

        public Task<IReadOnlyList<ListenerRule>> DescribeRulesAsync(string listenerArn, CancellationToken ct) => plan.Run(nameof(DescribeRulesAsync), () => inner.DescribeRulesAsync(listenerArn, ct));

        public Task<string> CreateHeaderRuleAsync(string listenerArn, int priority, string headerName, string headerValue, string targetGroupArn, CancellationToken ct) =>
            plan.Run(nameof(CreateHeaderRuleAsync), () => inner.CreateHeaderRuleAsync(listenerArn, priority, headerName, headerValue, targetGroupArn, ct));

        public Task DeleteRuleAsync(string ruleArn, CancellationToken ct) => plan.Run(nameof(DeleteRuleAsync), () => inner.DeleteRuleAsync(ruleArn, ct));

        public Task AddTagsAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken ct) => plan.Run(nameof(AddTagsAsync), () => inner.AddTagsAsync(resourceArn, tags, ct));

        public Task RemoveTagsAsync(string resourceArn, IReadOnlyList<string> tagKeys, CancellationToken ct) => plan.Run(nameof(RemoveTagsAsync), () => inner.RemoveTagsAsync(resourceArn, tagKeys, ct));

        public Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> DescribeTagsAsync(IReadOnlyList<string> resourceArns, CancellationToken ct) =>
            plan.Run(nameof(DescribeTagsAsync), () => inner.DescribeTagsAsync(resourceArns, ct));
    }
}
