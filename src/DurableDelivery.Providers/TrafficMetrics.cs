namespace DurableDelivery.Providers;

/// <summary>Traffic a listener sent to one infra-set over a sliding window: totals and a per-second series.</summary>
/// <remarks>
/// The series holds one sample per second of the window, oldest first, seconds without traffic included (with zero
/// requests), so new and stable infra-sets can be compared second by second over the same window. The last sample may
/// cover a second still in progress. Latency percentiles come from a log-linear histogram (about 6% resolution).
/// </remarks>
public sealed record TrafficMetrics
{
    /// <summary>Gets the environment whose listener measured the traffic.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the infra-set the traffic went to.</summary>
    public required string InfraSetId { get; init; }

    /// <summary>Gets whether the figures are measured or the provider cannot measure them.</summary>
    public MetricsAvailability Availability { get; init; }

    /// <summary>Gets the totals over the whole window.</summary>
    public required TrafficSample Totals { get; init; }

    /// <summary>Gets one sample per second of the window, oldest first.</summary>
    public IReadOnlyList<TrafficSample> Series { get; set; } = [];

    /// <summary>Gets how many requests to the infra-set were in flight when the metrics were read.</summary>
    public int InFlight { get; init; }
}
