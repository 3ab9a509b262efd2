using System.Globalization;

namespace DurableDelivery.Bench;

/// <summary>Median and spread of repeated measurements; percentiles of samples.</summary>
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

    public static double Median(IReadOnlyList<double> values) => Percentile([.. values], 50);

    /// <summary>"median (min..max, n=3)".</summary>
    public static string Summary(IReadOnlyList<double> values, string format) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Median(values).ToString(format, CultureInfo.InvariantCulture)} (min {values.Min().ToString(format, CultureInfo.InvariantCulture)}, max {values.Max().ToString(format, CultureInfo.InvariantCulture)}, n={values.Count})");
}
