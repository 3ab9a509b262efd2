namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// An artifact: <c>&lt;artifacts-dir&gt;/&lt;artifact-id&gt;.json</c>. It names the command that runs one instance and the
/// behaviour it gets. Copied into the infra-set's state at creation, so an infra-set stays immutable when the file changes.
/// </summary>
/// <remarks>
/// Tokens in <see cref="Command"/> and <see cref="Arguments"/>: <c>{provider-dir}</c> (the folder of the provider's dll,
/// where the sample service's dll is copied), <c>{artifact-dir}</c> (the manifest's folder), <c>{port}</c>, <c>{instance-id}</c>.
/// Every instance also gets the environment variables <c>PORT</c>, <c>DD_INSTANCE_ID</c>, <c>DD_INFRA_SET_ID</c>, <c>DD_VERSION</c>.
/// </remarks>
internal sealed record ArtifactManifest
{
    public string Id { get; set; } = string.Empty;

    public required string Version { get; init; }

    public string? Description { get; init; }

    public required string Command { get; init; }

    public IReadOnlyList<string> Arguments { get; set; } = [];

    public string HealthCheckPath { get; set; } = "/healthz";

    public IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    /// <summary>Gets the manifest's folder, recorded at resolution time for <c>{artifact-dir}</c>.</summary>
    public string ArtifactDirectory { get; set; } = string.Empty;
}
