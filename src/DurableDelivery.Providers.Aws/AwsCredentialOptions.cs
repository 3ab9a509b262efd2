namespace DurableDelivery.Providers.Aws;

/// <summary>Where the provider takes its AWS credentials from; leave everything unset for the standard chain.</summary>
/// <remarks>
/// The standard chain is AWSSDK.Core's: the environment (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>AWS_SESSION_TOKEN</c>), <c>AWS_PROFILE</c> and the shared files (<c>~/.aws/credentials</c>, <c>~/.aws/config</c>,
/// including SSO and assume-role profiles), then the container or instance role.
/// </remarks>
public sealed record AwsCredentialOptions
{
    /// <summary>Gets an explicit access key id (with <see cref="SecretAccessKey"/>); prefer a profile or a
    /// role.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? AccessKeyId { get; init; }

    /// <summary>Gets the secret that goes with <see cref="AccessKeyId"/>.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? SecretAccessKey { get; init; }

    /// <summary>Gets the session token of temporary credentials.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? SessionToken { get; init; }

    /// <summary>Gets a named profile of the shared files to use instead of the whole chain.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Profile { get; init; }

    /// <summary>Gets the shared credentials file that holds <see cref="Profile"/>.</summary>
    /// <value>The default is <see langword="null"/>: the SDK's default locations.</value>
    public string? ProfilesLocation { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        AccessKeyId is not null ? $"explicit key {AccessKeyId}" : Profile is not null ? $"profile {Profile}" : "standard chain";
}
