using DurableDelivery.Domain.Gates;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>Per-second metric samples of a canary and its baseline over one window, read from the provider.</summary>
public sealed record GateSamples
{
    /// <summary>Gets the samples per metric, in the order the gate settings list the metrics.</summary>
    public required IReadOnlyList<MetricSamples> Samples { get; init; }

    /// <summary>Gets the requests the canary served in the window.</summary>
    public long CanaryRequests { get; init; }

    /// <summary>Gets the requests the baseline served in the window.</summary>
    public long StableRequests { get; init; }

    /// <summary>Gets why metrics are missing when the provider cannot measure (then every metric has no data).</summary>
    public string? Unavailable { get; init; }
}
