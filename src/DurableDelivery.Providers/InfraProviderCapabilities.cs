namespace DurableDelivery.Providers;

/// <summary>What a provider supports, read before planning a rollout.</summary>
public sealed record InfraProviderCapabilities
{
    /// <summary>Gets the provider's name, e.g. <c>local</c> or <c>aws</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the largest weight a listener accepts.</summary>
    /// <value>The default is 999, as an ALB forward action.</value>
    public int MaxWeight { get; set; } = 999;

    /// <summary>Gets the longest window <see cref="IInfraProvider.GetMetricsAsync"/> answers for.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan MaxMetricsWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets a value indicating whether metrics carry a per-second series.</summary>
    public bool PerSecondMetrics { get; init; }

    /// <summary>Gets a value indicating whether metrics carry latency percentiles.</summary>
    public bool LatencyPercentiles { get; init; }

    /// <summary>Gets a value indicating whether <see cref="IInfraProvider.DrainAsync"/> observes requests in flight.</summary>
    public bool ObservableDrain { get; init; }
}
