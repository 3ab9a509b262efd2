namespace DurableDelivery.Providers.Aws;

// The AWS provider settings file as written (every setting optional), read by AwsSettingsJson.

/// <summary>The file as written: every setting optional.</summary>
internal sealed class SettingsFile
{
    public string? Region { get; set; }

    public Uri? ServiceUrl { get; set; }

    public SettingsFileCredentials? Credentials { get; set; }

    public Dictionary<string, SettingsFileEnvironment>? Environments { get; set; }

    public int? InstancePort { get; set; }

    public TimeSpan? DeregistrationDelay { get; set; }

    public TimeSpan? HealthCheckGracePeriod { get; set; }

    public TimeSpan? PollInterval { get; set; }

    public TimeSpan? ReadBackTimeout { get; set; }

    public TimeSpan? DeleteTimeout { get; set; }

    public TimeSpan? TargetHealthCheckInterval { get; set; }

    public int? HealthyThreshold { get; set; }

    public TimeSpan? MetricsPeriod { get; set; }

    public TimeSpan? MaxMetricsWindow { get; set; }

    public bool? DeleteLaunchTemplateVersions { get; set; }

    public SettingsFileRetry? Retry { get; set; }
}

/// <summary>The <c>credentials</c> section.</summary>
internal sealed class SettingsFileCredentials
{
    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    public string? SessionToken { get; set; }

    public string? Profile { get; set; }

    public string? ProfilesLocation { get; set; }
}

/// <summary>One environment.</summary>
internal sealed class SettingsFileEnvironment
{
    public string? ListenerArn { get; set; }

    public List<string>? Subnets { get; set; }

    public string? LaunchTemplate { get; set; }

    public string? LaunchTemplateSourceVersion { get; set; }

    public int? MaxInstances { get; set; }
}

/// <summary>The <c>retry</c> section.</summary>
internal sealed class SettingsFileRetry
{
    public int? MaxAttempts { get; set; }

    public TimeSpan? BaseDelay { get; set; }

    public TimeSpan? MaxDelay { get; set; }
}
