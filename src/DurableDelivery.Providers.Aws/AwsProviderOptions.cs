using System.Text.Json;
using System.Text.Json.Serialization;
using DurableDelivery.Providers.Aws.Query;

namespace DurableDelivery.Providers.Aws;

/// <summary>The AWS provider's settings: region, endpoint, credentials, the environments it serves and its
/// timings.</summary>
/// <remarks>Validated once by <see cref="Validate"/> (the provider's constructor calls it); every problem is reported
/// with its fix.</remarks>
public sealed record AwsProviderOptions
{
    /// <summary>Gets the AWS region.</summary>
    /// <value>The default is <c>us-east-1</c>.</value>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Gets one endpoint for EC2, Auto Scaling, ELBv2 and CloudWatch (an emulator such as moto).</summary>
    /// <value>The default is <see langword="null"/>: each service's regional AWS endpoint.</value>
    public Uri? ServiceUrl { get; init; }

    /// <summary>Gets where credentials come from.</summary>
    /// <value>The default is the standard chain.</value>
    public AwsCredentialOptions Credentials { get; init; } = new();

    /// <summary>Gets the environments this provider serves, by environment name.</summary>
    /// <value>The default is none.</value>
    public IReadOnlyDictionary<string, AwsEnvironmentOptions> Environments { get; init; } = new Dictionary<string, AwsEnvironmentOptions>();

    /// <summary>Gets the port the instances serve HTTP on (the target groups' port).</summary>
    /// <value>The default is 80.</value>
    public int InstancePort { get; init; } = 80;

    /// <summary>Gets the target groups' deregistration delay: how long the ALB lets requests in flight finish on a
    /// deregistered instance.</summary>
    /// <value>The default is 300 seconds, as AWS's; 0 to 3600 seconds.</value>
    public TimeSpan DeregistrationDelay { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets the Auto Scaling groups' health check grace period.</summary>
    /// <value>The default is 300 seconds.</value>
    public TimeSpan HealthCheckGracePeriod { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets how often waits (health, deletion, weight read-back) poll AWS.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets how long <c>SetWeightsAsync</c> waits for the listener to report the new weights.</summary>
    /// <value>The default is 20 seconds, inside the delivery activities' 30-second start-to-close timeout.</value>
    public TimeSpan ReadBackTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Gets how long one delete call waits for the group's instances to drain and the group to go away before it reports
    /// a retryable failure; the retried call (same key) carries on where it stopped.
    /// </summary>
    /// <value>The default is 20 seconds, inside the delivery activities' 30-second start-to-close timeout: draining
    /// takes the deregistration delay, so a delete usually spans several calls.</value>
    public TimeSpan DeleteTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets how often the ALB health-checks each target of an infra-set.</summary>
    /// <value>The default is 10 seconds (AWS's own default is 30). Allowed: 5 to 300 seconds.</value>
    public TimeSpan TargetHealthCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets how many health checks in a row make a target healthy.</summary>
    /// <value>The default is 3 (AWS's own default is 5): a new instance is healthy about 30 seconds after it answers.
    /// Allowed: 2 to 10.</value>
    public int HealthyThreshold { get; init; } = 3;

    /// <summary>Gets the CloudWatch period of the metric series.</summary>
    /// <value>The default is 60 seconds, the resolution of ALB metrics. Allowed: 1, 5, 10, 30 seconds or a multiple of
    /// 60.</value>
    public TimeSpan MetricsPeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets the longest metrics window.</summary>
    /// <value>The default is 3 hours.</value>
    public TimeSpan MaxMetricsWindow { get; init; } = TimeSpan.FromHours(3);

    /// <summary>Gets a value indicating whether deleting an infra-set deletes its launch template version
    /// too.</summary>
    /// <value>The default is <see langword="true"/>. (moto 5.2.1 does not implement
    /// DeleteLaunchTemplateVersions.)</value>
    public bool DeleteLaunchTemplateVersions { get; init; } = true;

    /// <summary>Gets how the Query clients retry.</summary>
    /// <value>The default is 5 attempts, 100 ms base, 5 s cap, full jitter.</value>
    public AwsRetryOptions Retry { get; init; } = new();


    /// <summary>Reads provider settings from a JSON file (see infra/aws/provider.example.json).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The settings, validated.</returns>
    /// <exception cref="InfraRequestRejectedException">The file is missing, unreadable or invalid (<see
    /// cref="InfraProviderErrorReason.InvalidSpec"/>).</exception>
    public static AwsProviderOptions Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InfraRequestRejectedException(InfraProviderErrorReason.InvalidSpec,
                $"AWS provider settings file '{path}' does not exist; "
                + "copy infra/aws/provider.example.json and fill in your stack's outputs.");
        }

        AwsProviderOptions? options;
        try
        {
            options = AwsSettingsJson.Read(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InfraRequestRejectedException(InfraProviderErrorReason.InvalidSpec, $"AWS provider settings file '{path}' is not valid: {e.Message}");
        }

        options ??= new AwsProviderOptions();
        var problems = options.Validate();
        return problems.Count == 0
            ? options
            : throw new InfraRequestRejectedException(InfraProviderErrorReason.InvalidSpec, $"{path}: {string.Join(" ", problems)}");
    }

    /// <summary>Checks every setting.</summary>
    /// <returns>Every problem, one sentence each with its fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Region))
        {
            problems.Add("'region' is empty; set it to the stack's region, e.g. 'eu-west-1'.");
        }

        if ((Credentials.AccessKeyId is null) != (Credentials.SecretAccessKey is null))
        {
            problems.Add(
                "'credentials' sets only one of 'accessKeyId' and 'secretAccessKey'; "
                + "set both, or neither to use the standard chain.");
        }

        if (InstancePort is < 1 or > 65535)
        {
            problems.Add($"'instancePort' is {InstancePort}; use 1-65535.");
        }

        if (DeregistrationDelay < TimeSpan.Zero || DeregistrationDelay > TimeSpan.FromHours(1))
        {
            problems.Add($"'deregistrationDelay' is {DeregistrationDelay}; use 00:00:00 to 01:00:00 (AWS allows 0-3600 s).");
        }

        if (PollInterval <= TimeSpan.Zero || ReadBackTimeout <= TimeSpan.Zero || DeleteTimeout <= TimeSpan.Zero || HealthCheckGracePeriod < TimeSpan.Zero)
        {
            problems.Add(
                "'pollInterval', 'readBackTimeout' and 'deleteTimeout' must be positive and "
                + "'healthCheckGracePeriod' not negative.");
        }

        if (TargetHealthCheckInterval < TimeSpan.FromSeconds(5) || TargetHealthCheckInterval > TimeSpan.FromSeconds(300) || HealthyThreshold is < 2 or > 10)
        {
            problems.Add(
                $"'targetHealthCheckInterval' is {TargetHealthCheckInterval} and 'healthyThreshold' "
                + $"{HealthyThreshold}; an ALB takes 5-300 seconds and 2-10 checks.");
        }

        var period = MetricsPeriod.TotalSeconds;
        if (period != Math.Floor(period) || !(period is 1 or 5 or 10 or 30 || (period >= 60 && period % 60 == 0)))
        {
            problems.Add(
                $"'metricsPeriod' is {MetricsPeriod}; "
                + "CloudWatch takes 1, 5, 10 or 30 seconds or a multiple of 60 seconds.");
        }

        if (MetricsPeriod > TimeSpan.Zero && MaxMetricsWindow / MetricsPeriod > 1440)
        {
            problems.Add($"'maxMetricsWindow' ({MaxMetricsWindow}) holds more than 1440 periods of {MetricsPeriod}, the most one CloudWatch call returns; shorten the window or lengthen the period.");
        }

        if (MaxMetricsWindow < MetricsPeriod)
        {
            problems.Add(
                $"'maxMetricsWindow' ({MaxMetricsWindow}) is shorter than 'metricsPeriod' ({MetricsPeriod}); "
                + "make it at least one period.");
        }

        if (Retry.MaxAttempts is < 1 or > 20 || Retry.BaseDelay < TimeSpan.Zero || Retry.MaxDelay < Retry.BaseDelay)
        {
            problems.Add("'retry' needs 1-20 'maxAttempts' and 0 <= 'baseDelay' <= 'maxDelay'.");
        }

        foreach (var (name, env) in Environments.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (env.ListenerArn is null || !env.ListenerArn.StartsWith("arn:", StringComparison.Ordinal) || !env.ListenerArn.Contains(":listener/app/", StringComparison.Ordinal))
            {
                problems.Add(
                    $"Environment '{name}' has listener ARN '{env.ListenerArn}', "
                    + "which is not an ALB listener ARN; "
                    + "use the stack's ListenerArn output "
                    + "(arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>).");
            }

            if (env.Subnets is null || env.Subnets.Count == 0)
            {
                problems.Add(
                    $"Environment '{name}' names no 'subnets'; "
                    + "list the subnets the groups launch into, e.g. the stack's SubnetIds.");
            }

            if (string.IsNullOrWhiteSpace(env.LaunchTemplate))
            {
                problems.Add(
                    $"Environment '{name}' names no 'launchTemplate'; "
                    + "set it to the stack's LaunchTemplateId output.");
            }

            if (env.MaxInstances is < 1 or > 1000)
            {
                problems.Add($"Environment '{name}' has 'maxInstances' {env.MaxInstances}; use 1-1000.");
            }
        }

        return problems;
    }

    /// <summary>The endpoint of one Query API.</summary>
    internal AwsServiceEndpoint Endpoint(string signingName, string apiVersion, string host) =>
        new(signingName, apiVersion, ServiceUrl ?? new Uri($"https://{host}.{Region}.amazonaws.com/"), Region);
}
