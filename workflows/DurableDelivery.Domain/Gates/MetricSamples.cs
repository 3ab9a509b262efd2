namespace DurableDelivery.Domain.Gates;

/// <summary>Per-second samples of one metric for the new and the stable infra-set over the same window.</summary>
public sealed record MetricSamples
{
    /// <summary>Gets the metric.</summary>
    public required MetricKind Kind { get; init; }

    /// <summary>Gets the new (canary) infra-set's samples, one per second with traffic; values that are not finite (NaN for a second without requests) are ignored.</summary>
    public required IReadOnlyList<double> Canary { get; init; }

    /// <summary>Gets the stable (baseline) infra-set's samples over the same window.</summary>
    public required IReadOnlyList<double> Baseline { get; init; }
}
