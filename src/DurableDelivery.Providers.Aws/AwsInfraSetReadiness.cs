namespace DurableDelivery.Providers.Aws;

/// <summary>
/// Whether one infra-set could take traffic back now (a rollback target): capacity, healthy targets, weight, and
/// whether
/// its launch template version and AMI still exist so it could be relaunched.
/// </summary>
public sealed record AwsInfraSetReadiness
{
    /// <summary>Gets the infra-set id.</summary>
    public required string InfraSetId { get; init; }

    /// <summary>Gets the artifact (AMI id) and the version it declares.</summary>
    public required string ArtifactId { get; init; }

    /// <summary>Gets the version the AMI declares (its <c>Version</c> tag, else its name).</summary>
    public string Version { get; init; } = string.Empty;

    /// <summary>Gets the Auto Scaling group's name.</summary>
    public required string GroupName { get; init; }

    /// <summary>Gets the target group's ARN, when it exists.</summary>
    public string? TargetGroupArn { get; init; }

    /// <summary>Gets the weight the listener gives the infra-set now.</summary>
    public int Weight { get; init; }

    /// <summary>Gets the group's desired capacity.</summary>
    public int DesiredCapacity { get; init; }

    /// <summary>Gets how many instances are <c>InService</c>.</summary>
    public int InService { get; init; }

    /// <summary>Gets how many targets of the target group are healthy.</summary>
    public int HealthyTargets { get; init; }

    /// <summary>Gets the launch template version the group launches from.</summary>
    public string? LaunchTemplateVersion { get; init; }

    /// <summary>Gets a value indicating whether that launch template version still exists.</summary>
    public bool LaunchTemplateVersionExists { get; init; }

    /// <summary>Gets a value indicating whether the AMI still exists and is <c>available</c>.</summary>
    public bool ImageAvailable { get; init; }

    /// <summary>Gets what stands in the way of a rollback to it, one line each; empty when ready.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Gets a value indicating whether traffic could be moved to it now and it could be relaunched.</summary>
    public bool Ready => Problems.Count == 0;
}
