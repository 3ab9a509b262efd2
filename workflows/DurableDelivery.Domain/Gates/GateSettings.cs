namespace DurableDelivery.Domain.Gates;

/// <summary>How health gates judge a bake: which metrics, how much data, and the score thresholds.</summary>
/// <remarks>The defaults follow Kayenta's suggestions: 98% confidence, 50 data points, marginal 75, pass 95.</remarks>
public sealed record GateSettings
{
    /// <summary>Gets the metrics compared.</summary>
    /// <value>The default is error rate (critical) and latency p99, each with its defaults (see <see cref="MetricGate.For"/>).</value>
    public IReadOnlyList<MetricGate> Metrics { get; set; } = [MetricGate.For(MetricKind.ErrorRate), MetricGate.For(MetricKind.LatencyP99)];

    /// <summary>Gets the fewest data points (per-second samples) each infra-set needs per metric for a verdict.</summary>
    /// <value>The default is 50 (Kayenta's suggestion).</value>
    public int MinDataPoints { get; set; } = 50;

    /// <summary>Gets the confidence of the Mann-Whitney test: a difference counts when its p-value is below 1 - confidence.</summary>
    /// <value>The default is 0.98 (Kayenta's default).</value>
    public double Confidence { get; set; } = 0.98;

    /// <summary>Gets the lowest score that is Marginal rather than Fail.</summary>
    /// <value>The default is 75.</value>
    public double MarginalScore { get; set; } = 75;

    /// <summary>Gets the lowest score that passes.</summary>
    /// <value>The default is 95.</value>
    public double PassScore { get; set; } = 95;
}
