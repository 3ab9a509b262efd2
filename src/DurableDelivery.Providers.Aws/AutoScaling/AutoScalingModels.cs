namespace DurableDelivery.Providers.Aws.AutoScaling;

/// <summary>An Auto Scaling group as <c>DescribeAutoScalingGroups</c> reports it.</summary>
internal sealed record AutoScalingGroup
{
    public required string Name { get; init; }

    public int MinSize { get; init; }

    public int MaxSize { get; init; }

    public int DesiredCapacity { get; init; }

    public DateTimeOffset CreatedTime { get; init; }

    /// <summary>Set while a deletion is in progress (<c>Delete in progress</c>).</summary>
    public string? Status { get; init; }

    public string? LaunchTemplateId { get; init; }

    public string? LaunchTemplateVersion { get; init; }

    public IReadOnlyList<AutoScalingInstance> Instances { get; init; } = [];

    public IReadOnlyList<string> TargetGroupArns { get; init; } = [];

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>One instance of a group.</summary>
internal sealed record AutoScalingInstance(string InstanceId, string LifecycleState, string HealthStatus);

/// <summary>The parameters of <c>CreateAutoScalingGroup</c> the provider uses.</summary>
internal sealed record CreateAutoScalingGroupRequest
{
    public required string Name { get; init; }

    public required string LaunchTemplateId { get; init; }

    public required string LaunchTemplateVersion { get; init; }

    public int Capacity { get; init; }

    public IReadOnlyList<string> Subnets { get; init; } = [];

    public IReadOnlyList<string> TargetGroupArns { get; init; } = [];

    public int HealthCheckGracePeriodSeconds { get; init; }

    /// <summary>Tags, propagated to the instances at launch.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
