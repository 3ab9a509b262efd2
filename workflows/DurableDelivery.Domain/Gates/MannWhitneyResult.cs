namespace DurableDelivery.Domain.Gates;

/// <summary>The outcome of a two-sided Mann-Whitney U test of sample x against sample y.</summary>
public sealed record MannWhitneyResult
{
    /// <summary>Gets U for sample x: the number of pairs (x, y) with x &gt; y, ties counting one half.</summary>
    public required double U { get; init; }

    /// <summary>Gets the size of sample x.</summary>
    public required int N1 { get; init; }

    /// <summary>Gets the size of sample y.</summary>
    public required int N2 { get; init; }

    /// <summary>Gets the standard score, with continuity and tie corrections; positive when x tends to be larger.</summary>
    public required double Z { get; init; }

    /// <summary>Gets the two-sided p-value of the normal approximation (1 when every value is tied).</summary>
    public required double PValue { get; init; }
}
