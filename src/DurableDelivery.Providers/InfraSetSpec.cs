namespace DurableDelivery.Providers;

/// <summary>
/// The immutable declaration of an infra-set: one artifact version on <see cref="InstanceCount"/> instances, owned by
/// one environment. On AWS it maps to a launch template version, an Auto Scaling group and a target group.
/// </summary>
/// <remarks>
/// Equality is by value, <see cref="Settings"/> included, so an idempotent retry can be told from a changed spec.
/// </remarks>
public sealed record InfraSetSpec
{
    /// <summary>Gets the environment that owns the infra-set; only its listener may route to it.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the artifact to run (locally: a manifest <c>&lt;artifacts-dir&gt;/&lt;id&gt;.json</c>; on AWS: an image id).</summary>
    public required string ArtifactId { get; init; }

    /// <summary>Gets how many instances to run.</summary>
    /// <value>The default is 1. Allowed: 1 to 16 locally.</value>
    public int InstanceCount { get; set; } = 1;

    /// <summary>Gets the HTTP path every instance must answer with a 2xx status to count as healthy.</summary>
    /// <value>The default is <c>/healthz</c>, unless the artifact names another.</value>
    public string? HealthCheckPath { get; init; }

    /// <summary>Gets extra settings handed to each instance (locally as environment variables).</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyDictionary<string, string> Settings { get; set; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public bool Equals(InfraSetSpec? other) =>
        other is not null
        && string.Equals(Environment, other.Environment, StringComparison.Ordinal)
        && string.Equals(ArtifactId, other.ArtifactId, StringComparison.Ordinal)
        && InstanceCount == other.InstanceCount
        && string.Equals(HealthCheckPath, other.HealthCheckPath, StringComparison.Ordinal)
        && Settings.Count == other.Settings.Count
        && Settings.All(pair => other.Settings.TryGetValue(pair.Key, out var value) && string.Equals(value, pair.Value, StringComparison.Ordinal));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Environment, ArtifactId, InstanceCount, HealthCheckPath, Settings.Count);
}
