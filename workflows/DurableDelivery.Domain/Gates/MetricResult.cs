namespace DurableDelivery.Domain.Gates;

/// <summary>The judgement of one metric with the numbers behind it.</summary>
public sealed record MetricResult
{
    /// <summary>Gets the metric.</summary>
    public required MetricKind Kind { get; init; }

    /// <summary>Gets the classification.</summary>
    public required MetricClassification Classification { get; init; }

    /// <summary>Gets a value indicating whether the metric counts as passing in the score (Pass or Low).</summary>
    public bool Passed => Classification is MetricClassification.Pass or MetricClassification.Low;

    /// <summary>Gets a value indicating whether the metric is critical (its failure fails the gate).</summary>
    public required bool Critical { get; init; }

    /// <summary>Gets the metric's weight in the score.</summary>
    public required double Weight { get; init; }

    /// <summary>Gets the number of canary samples.</summary>
    public required int CanaryCount { get; init; }

    /// <summary>Gets the number of baseline samples.</summary>
    public required int BaselineCount { get; init; }

    /// <summary>Gets the canary median; <see langword="null"/> without samples.</summary>
    public double? CanaryMedian { get; init; }

    /// <summary>Gets the baseline median; <see langword="null"/> without samples.</summary>
    public double? BaselineMedian { get; init; }

    /// <summary>Gets the canary mean; <see langword="null"/> without samples.</summary>
    public double? CanaryMean { get; init; }

    /// <summary>Gets the baseline mean; <see langword="null"/> without samples.</summary>
    public double? BaselineMean { get; init; }

    /// <summary>Gets Mann-Whitney U for the canary; <see langword="null"/> for <see cref="MetricClassification.NoData"/>.</summary>
    public double? U { get; init; }

    /// <summary>Gets the two-sided p-value; <see langword="null"/> for <see cref="MetricClassification.NoData"/>.</summary>
    public double? PValue { get; init; }

    /// <summary>Gets the Hodges-Lehmann shift of canary over baseline; <see langword="null"/> for <see cref="MetricClassification.NoData"/>.</summary>
    public double? Shift { get; init; }

    /// <summary>Gets the tolerance band: the shift must exceed it (in absolute value) to count.</summary>
    public double? Band { get; init; }

    /// <summary>Gets a value indicating whether the canary mean is above the metric's absolute ceiling.</summary>
    public bool AboveCeiling { get; init; }

    /// <summary>Gets the one-line explanation with the numbers, e.g. <c>error rate 4.1% vs 0.3% stable (p=0.002)</c>.</summary>
    public required string Message { get; init; }
}
