namespace DurableDelivery.Domain.Gates;

/// <summary>How one metric is judged by a health gate.</summary>
/// <remarks>Defaults depend on <see cref="Kind"/>; use <see cref="For"/> to get them.</remarks>
public sealed record MetricGate
{
    /// <summary>Gets the metric.</summary>
    public required MetricKind Kind { get; init; }

    /// <summary>Gets the metric's weight in the score.</summary>
    /// <value>The default is 1.</value>
    public double Weight { get; set; } = 1;

    /// <summary>Gets a value indicating whether a failure of this metric fails the gate whatever the score.</summary>
    /// <value>The default is <see langword="true"/> for error rate and <see langword="false"/> for latency.</value>
    public bool Critical { get; init; }

    /// <summary>
    /// Gets the relative tolerance: the new infra-set is High only when its Hodges-Lehmann shift over the stable one is
    /// more than this fraction of the stable median (and more than <see cref="MinimumShift"/>).
    /// </summary>
    /// <value>The default is 0.25 (Kayenta's default).</value>
    public double Tolerance { get; set; } = 0.25;

    /// <summary>
    /// Gets the smallest absolute shift that counts, in the metric's unit (a fraction for error rate, milliseconds for
    /// latency), so a stable median of zero does not make every significant difference a failure.
    /// </summary>
    /// <value>The default is 0.005 (half a percentage point) for error rate and 5 ms for latency.</value>
    public double MinimumShift { get; init; }

    /// <summary>
    /// Gets the absolute ceiling: when the new infra-set's mean is above it, the metric fails even when the stable
    /// infra-set is as bad, unless the new infra-set is significantly better than the stable one; <see langword="null"/>
    /// for none.
    /// </summary>
    /// <value>The default is 0.05 (5%) for error rate and none for latency.</value>
    public double? Ceiling { get; init; }

    /// <summary>Returns the gate of a metric with its documented defaults.</summary>
    /// <param name="kind">The metric.</param>
    /// <returns>The gate with the defaults for that metric.</returns>
    public static MetricGate For(MetricKind kind) => kind switch
    {
        MetricKind.ErrorRate => new MetricGate { Kind = kind, Critical = true, MinimumShift = 0.005, Ceiling = 0.05 },
        _ => new MetricGate { Kind = kind, Critical = false, MinimumShift = 5, Ceiling = null },
    };
}
