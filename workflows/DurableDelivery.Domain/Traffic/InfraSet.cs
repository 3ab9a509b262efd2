namespace DurableDelivery.Domain.Traffic;

/// <summary>An immutable set of instances running one version set in an environment, as the environment tracks it.</summary>
public sealed record InfraSet
{
    /// <summary>Gets the id, stable and human-readable, e.g. <c>demo-0003</c>; doubles as the provider's idempotency key.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the status.</summary>
    public required InfraSetStatus Status { get; init; }

    /// <summary>Gets the content hash of the version set it runs.</summary>
    public string? VersionSetHash { get; init; }

    /// <summary>Gets the provider artifact it runs.</summary>
    public string? Artifact { get; init; }

    /// <summary>
    /// Gets the order in which it was promoted (took 100% and became last known good); higher is more recent;
    /// <see langword="null"/> when never promoted.
    /// </summary>
    public int? PromotionSequence { get; init; }

    /// <summary>Gets a value indicating whether it failed or was rolled back from: it is never kept warm as a rollback target.</summary>
    public bool Retired { get; init; }

    /// <summary>Gets when the environment last read its health between deliveries; <see langword="null"/> when never.</summary>
    public DateTimeOffset? HealthCheckedAt { get; init; }

    /// <summary>Gets what that read found: the provider's status and message, e.g. <c>Unhealthy: instance 1 exited with code 139</c>.</summary>
    public string? HealthCheck { get; init; }

    /// <summary>Gets since when a health check has found it unhealthy without a healthy read since; <see langword="null"/> while healthy.</summary>
    public DateTimeOffset? UnhealthySince { get; init; }

    /// <summary>Gets a value indicating whether it is warm: running and healthy, ready to take traffic at once.</summary>
    public bool IsWarm => Status == InfraSetStatus.Healthy;
}
