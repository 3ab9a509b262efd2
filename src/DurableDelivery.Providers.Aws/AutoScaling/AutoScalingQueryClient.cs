using DurableDelivery.Providers.Aws.Query;

namespace DurableDelivery.Providers.Aws.AutoScaling;

/// <summary><see cref="IAutoScalingClient"/> over the Auto Scaling Query API (2011-01-01).</summary>
internal sealed class AutoScalingQueryClient(AwsQueryTransport transport) : IAutoScalingClient
{
    public const string SigningName = "autoscaling";

    public const string ApiVersion = "2011-01-01";

    public async Task<IReadOnlyList<AutoScalingGroup>> DescribeAutoScalingGroupsAsync(IReadOnlyList<string> names, KeyValuePair<string, string>? tag, CancellationToken cancellationToken)
    {
        var groups = new List<AutoScalingGroup>();
        string? token = null;
        do
        {
            var request = new QueryRequest("DescribeAutoScalingGroups").AddList("AutoScalingGroupNames", names);
            if (tag is { } t)
            {
                request.Add("Filters.member.1.Name", $"tag:{t.Key}").Add("Filters.member.1.Values.member.1", t.Value);
            }

            request.Add("NextToken", token);
            var result = await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            groups.AddRange(result.Members("AutoScalingGroups").Select(Group));
            token = result.Text("NextToken");
        }
        while (!string.IsNullOrEmpty(token));
        return groups;
    }

    public Task CreateAutoScalingGroupAsync(CreateAutoScalingGroupRequest request, CancellationToken cancellationToken)
    {
        var query = new QueryRequest("CreateAutoScalingGroup")
            .Add("AutoScalingGroupName", request.Name)
            .Add("LaunchTemplate.LaunchTemplateId", request.LaunchTemplateId)
            .Add("LaunchTemplate.Version", request.LaunchTemplateVersion)
            .Add("MinSize", request.Capacity)
            .Add("MaxSize", request.Capacity)
            .Add("DesiredCapacity", request.Capacity)
            .Add("VPCZoneIdentifier", string.Join(',', request.Subnets))
            .AddList("TargetGroupARNs", request.TargetGroupArns)
            .Add("HealthCheckType", "ELB")
            .Add("HealthCheckGracePeriod", request.HealthCheckGracePeriodSeconds)
            .AddStructures("Tags", request.Tags.OrderBy(t => t.Key, StringComparer.Ordinal), t =>
            [
                ("ResourceId", request.Name), ("ResourceType", "auto-scaling-group"), ("Key", t.Key), ("Value", t.Value), ("PropagateAtLaunch", "true"),
            ]);
        return transport.SendAsync(query, cancellationToken);
    }

    public Task UpdateCapacityAsync(string name, int capacity, CancellationToken cancellationToken) =>
        transport.SendAsync(
            new QueryRequest("UpdateAutoScalingGroup")
                .Add("AutoScalingGroupName", name)
                .Add("MinSize", capacity)
                .Add("MaxSize", capacity)
                .Add("DesiredCapacity", capacity),
            cancellationToken);

    public Task DeleteAutoScalingGroupAsync(string name, CancellationToken cancellationToken) =>
        transport.SendAsync(
            new QueryRequest("DeleteAutoScalingGroup").Add("AutoScalingGroupName", name).Add("ForceDelete", "true"),
            cancellationToken);

    private static AutoScalingGroup Group(System.Xml.Linq.XElement g) => new()
    {
        Name = g.Required("AutoScalingGroupName"),
        MinSize = g.Int("MinSize") ?? 0,
        MaxSize = g.Int("MaxSize") ?? 0,
        DesiredCapacity = g.Int("DesiredCapacity") ?? 0,
        CreatedTime = g.Time("CreatedTime") ?? DateTimeOffset.MinValue,
        Status = g.Text("Status"),
        LaunchTemplateId = g.Child("LaunchTemplate").Text("LaunchTemplateId"),
        LaunchTemplateVersion = g.Child("LaunchTemplate").Text("Version"),
        Instances = [.. g.Members("Instances").Select(i => new AutoScalingInstance(i.Required("InstanceId"), i.Text("LifecycleState") ?? "?", i.Text("HealthStatus") ?? "?"))],
        TargetGroupArns = [.. g.Members("TargetGroupARNs").Select(m => m.Value)],
        Tags = g.Tags(),
    };
}
