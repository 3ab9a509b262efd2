namespace DurableDelivery.Providers.Aws;

/// <summary>The fixed AWS resources of one environment, created by infrastructure-as-code
/// (infra/aws/delivery-stack.yaml).</summary>
public sealed record AwsEnvironmentOptions
{
    /// <summary>Gets the ALB listener whose default <c>forward</c> action deliveries weight (the environment file's
    /// <c>listener.arn</c>).</summary>
    public required string ListenerArn { get; init; }

    /// <summary>Gets the subnets the Auto Scaling groups launch into.</summary>
    public required IReadOnlyList<string> Subnets { get; init; }

    /// <summary>Gets the launch template (id <c>lt-...</c> or name) every infra-set's template version is made
    /// from.</summary>
    public required string LaunchTemplate { get; init; }

    /// <summary>Gets the template version new versions copy before the AMI is replaced.</summary>
    /// <value>The default is <c>$Default</c>.</value>
    public string LaunchTemplateSourceVersion { get; init; } = "$Default";

    /// <summary>Gets the largest instance count an infra-set of this environment may ask for.</summary>
    /// <value>The default is 20.</value>
    public int MaxInstances { get; init; } = 20;
}
