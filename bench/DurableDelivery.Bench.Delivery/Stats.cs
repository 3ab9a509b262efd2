namespace DurableDelivery.Bench.Delivery;

/// <summary>Percentiles of samples (nearest-rank), as the other benches report them.</summary>
internal static class Stats
{
    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();

        // Nearest-rank: the smallest value with at least p% of the samples at or below it.
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
