namespace DurableDelivery.Domain.Gates;

/// <summary>The result of a health gate on one bake: verdict, score, reason code, message and every metric's numbers.</summary>
public sealed record GateResult
{
    /// <summary>Gets the verdict.</summary>
    public required GateVerdict Verdict { get; init; }

    /// <summary>Gets the reason code (see <see cref="GateReasons"/>).</summary>
    public required string Reason { get; init; }

    /// <summary>Gets the message for people, e.g. <c>error rate 4.1% vs 0.3% stable (p=0.002)</c>.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the score from 0 to 100: the weight of passing metrics over the weight of all; 0 when a critical metric fails.</summary>
    /// <remarks><see langword="null"/> when the verdict is <see cref="GateVerdict.Inconclusive"/>.</remarks>
    public double? Score { get; init; }

    /// <summary>Gets the result of every metric, in the order of the gate settings.</summary>
    public required IReadOnlyList<MetricResult> Metrics { get; init; }
}
