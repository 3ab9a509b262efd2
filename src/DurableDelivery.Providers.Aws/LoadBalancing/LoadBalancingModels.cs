namespace DurableDelivery.Providers.Aws.LoadBalancing;

/// <summary>An application load balancer.</summary>
internal sealed record LoadBalancer(string Arn, string DnsName, string VpcId);

/// <summary>A listener and the target groups its default <c>forward</c> action sends to, with their weights.</summary>
internal sealed record Listener
{
    public required string Arn { get; init; }

    public required string LoadBalancerArn { get; init; }

    public int Port { get; init; }

    public string Protocol { get; init; } = "HTTP";

    /// <summary>The type of the first default action (<c>forward</c>, <c>fixed-response</c>...).</summary>
    public string? DefaultActionType { get; init; }

    /// <summary>Target group ARN to weight, in the order AWS lists them; empty unless the default action
    /// forwards.</summary>
    public IReadOnlyList<WeightedTargetGroup> Forward { get; init; } = [];
}

/// <summary>One target group of a forward action.</summary>
internal sealed record WeightedTargetGroup(string TargetGroupArn, int Weight);

/// <summary>A target group.</summary>
internal sealed record TargetGroup
{
    public required string Arn { get; init; }

    public required string Name { get; init; }

    public int Port { get; init; }

    public string? HealthCheckPath { get; init; }

    public IReadOnlyList<string> LoadBalancerArns { get; init; } = [];
}

/// <summary>The parameters of <c>CreateTargetGroup</c> the provider uses (instance targets, HTTP).</summary>
internal sealed record CreateTargetGroupRequest
{
    public required string Name { get; init; }

    public required string VpcId { get; init; }

    public int Port { get; init; }

    public required string HealthCheckPath { get; init; }

    public int HealthCheckIntervalSeconds { get; init; } = 30;

    public int HealthyThresholdCount { get; init; } = 5;

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>One target's health as <c>DescribeTargetHealth</c> reports it.</summary>
internal sealed record TargetHealth(string TargetId, string State, string? Reason, string? Description);

/// <summary>A listener rule that forwards requests carrying one header value to one target group.</summary>
internal sealed record ListenerRule(string Arn, string Priority, IReadOnlyList<string> HeaderValues, IReadOnlyList<string> TargetGroupArns);
