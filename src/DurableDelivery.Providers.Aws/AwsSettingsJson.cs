using System.Text.Json;
using System.Text.Json.Serialization;

namespace DurableDelivery.Providers.Aws;

/// <summary>
/// The provider settings file's JSON, source-generated (no reflection, so ddctl can load it under Native AOT):
/// any case, comments and trailing commas allowed, unknown settings refused.
/// </summary>
/// <remarks>
/// The file is read into <see cref="SettingsFile"/>, whose every setting is optional, then laid over the defaults of
/// <see cref="AwsProviderOptions"/>: the source generator would otherwise reset every init-only setting the file omits.
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SettingsFile))]
internal sealed partial class AwsSettingsJson : JsonSerializerContext
{
    /// <summary>Reads a settings file's text into options, defaults filled in.</summary>
    public static AwsProviderOptions Read(string json)
    {
        var file = JsonSerializer.Deserialize(json, Default.SettingsFile) ?? new SettingsFile();
        var defaults = new AwsProviderOptions();
        var retry = defaults.Retry;
        return new AwsProviderOptions
        {
            Region = file.Region ?? defaults.Region,
            ServiceUrl = file.ServiceUrl,
            Credentials = file.Credentials is { } c
                ? new AwsCredentialOptions { AccessKeyId = c.AccessKeyId, SecretAccessKey = c.SecretAccessKey, SessionToken = c.SessionToken, Profile = c.Profile, ProfilesLocation = c.ProfilesLocation }
                : defaults.Credentials,
            Environments = (file.Environments ?? []).ToDictionary(
                e => e.Key,
                e => new AwsEnvironmentOptions
                {
                    ListenerArn = e.Value.ListenerArn ?? string.Empty,
                    Subnets = e.Value.Subnets ?? [],
                    LaunchTemplate = e.Value.LaunchTemplate ?? string.Empty,
                    LaunchTemplateSourceVersion = e.Value.LaunchTemplateSourceVersion ?? "$Default",
                    MaxInstances = e.Value.MaxInstances ?? 20,
                },
                StringComparer.Ordinal),
            InstancePort = file.InstancePort ?? defaults.InstancePort,
            DeregistrationDelay = file.DeregistrationDelay ?? defaults.DeregistrationDelay,
            HealthCheckGracePeriod = file.HealthCheckGracePeriod ?? defaults.HealthCheckGracePeriod,
            PollInterval = file.PollInterval ?? defaults.PollInterval,
            ReadBackTimeout = file.ReadBackTimeout ?? defaults.ReadBackTimeout,
            DeleteTimeout = file.DeleteTimeout ?? defaults.DeleteTimeout,
            TargetHealthCheckInterval = file.TargetHealthCheckInterval ?? defaults.TargetHealthCheckInterval,
            HealthyThreshold = file.HealthyThreshold ?? defaults.HealthyThreshold,
            MetricsPeriod = file.MetricsPeriod ?? defaults.MetricsPeriod,
            MaxMetricsWindow = file.MaxMetricsWindow ?? defaults.MaxMetricsWindow,
            DeleteLaunchTemplateVersions = file.DeleteLaunchTemplateVersions ?? defaults.DeleteLaunchTemplateVersions,
            Retry = file.Retry is { } r
                ? new() { MaxAttempts = r.MaxAttempts ?? retry.MaxAttempts, BaseDelay = r.BaseDelay ?? retry.BaseDelay, MaxDelay = r.MaxDelay ?? retry.MaxDelay }
                : retry,
        };
    }
}
