namespace DurableDelivery.Domain.Gates;

/// <summary>
/// The Mann-Whitney U test (Wilcoxon rank-sum) and the Hodges-Lehmann shift estimate, as Kayenta uses them to compare
/// a canary with its baseline.
/// </summary>
/// <remarks>
/// The p-value uses the normal approximation with the tie-corrected variance and a continuity correction of 1/2 (as R's
/// <c>wilcox.test(exact = FALSE, correct = TRUE)</c> and SciPy's <c>mannwhitneyu(method="asymptotic")</c>); it is
/// accurate enough for samples of 10 or more, and gates require far more (<see cref="GateSettings.MinDataPoints"/>).
/// </remarks>
public static class MannWhitney
{
    /// <summary>Tests whether sample x tends to be larger or smaller than sample y (two-sided).</summary>
    /// <param name="x">The first sample (the new infra-set), at least one finite value.</param>
    /// <param name="y">The second sample (the stable infra-set), at least one finite value.</param>
    /// <returns>U for x, the standard score and the two-sided p-value.</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a value that is not finite.</exception>
    public static MannWhitneyResult Test(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckSample(x, nameof(x));
        CheckSample(y, nameof(y));
        int n1 = x.Count, n2 = y.Count, n = n1 + n2;

        var all = new (double Value, bool FromX)[n];
        for (var i = 0; i < n1; i++)
        {
            all[i] = (x[i], true);
        }

        for (var j = 0; j < n2; j++)
        {
            all[n1 + j] = (y[j], false);
        }

        Array.Sort(all, (a, b) => a.Value.CompareTo(b.Value));

        // Average ranks over runs of ties; sum t^3 - t over the runs for the variance correction.
        double rankSumX = 0, tieTerm = 0;
        for (var start = 0; start < n;)
        {
            var end = start;
            while (end + 1 < n && all[end + 1].Value == all[start].Value)
            {
                end++;
            }

            var rank = (start + end + 2) / 2.0;
            for (var k = start; k <= end; k++)
            {
                if (all[k].FromX)
                {
                    rankSumX += rank;
                }
            }

            double t = end - start + 1;
            tieTerm += (t * t * t) - t;
            start = end + 1;
        }

        var u = rankSumX - (n1 * (n1 + 1.0) / 2.0);
        var mean = n1 * (double)n2 / 2.0;
        var variance = n1 * (double)n2 / 12.0 * ((n + 1.0) - (n > 1 ? tieTerm / (n * (n - 1.0)) : 0));
        if (variance <= 0)
        {
            return new MannWhitneyResult { U = u, N1 = n1, N2 = n2, Z = 0, PValue = 1 };
        }

        var deviation = Math.Max(0, Math.Abs(u - mean) - 0.5);
        var z = Math.Sign(u - mean) * deviation / Math.Sqrt(variance);
        var p = Math.Min(1, Erfc(Math.Abs(z) / Math.Sqrt(2)));
        return new MannWhitneyResult { U = u, N1 = n1, N2 = n2, Z = z, PValue = p };
    }

    /// <summary>
    /// The Hodges-Lehmann estimate of the shift of x over y: the median of every difference <c>x[i] - y[j]</c>.
    /// </summary>
    /// <param name="x">The first sample (the new infra-set).</param>
    /// <param name="y">The second sample (the stable infra-set).</param>
    /// <returns>The estimated shift; positive when x tends to be larger.</returns>
    /// <exception cref="ArgumentException">A sample is empty or holds a value that is not finite.</exception>
    public static double HodgesLehmann(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckSample(x, nameof(x));
        CheckSample(y, nameof(y));
        return (long)x.Count * y.Count <= BruteForcePairs ? HodgesLehmannByPairs(x, y) : HodgesLehmannBySelection(x, y);
    }

    /// <summary>Up to this many pairs the differences are materialized; above, they are selected without being stored.</summary>
    internal const long BruteForcePairs = 1_000_000;

    internal static double HodgesLehmannByPairs(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var diffs = new double[x.Count * y.Count];
        var k = 0;
        foreach (var a in x)
        {
            foreach (var b in y)
            {
                diffs[k++] = a - b;
            }
        }

        return Median(diffs);
    }

    /// <summary>
    /// The same median in O((n1 + n2) log) time and O(n1 + n2) memory: bisect on the value, counting differences at or
    /// below it with two pointers over the sorted samples, then snap to the largest actual difference (an hour of
    /// per-second samples is 13 million pairs, too many to store).
    /// </summary>
    internal static double HodgesLehmannBySelection(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var xs = x.ToArray();
        var ys = y.ToArray();
        Array.Sort(xs);
        Array.Sort(ys);
        var total = (long)xs.Length * ys.Length;
        var k = (total + 1) / 2;
        var lower = KthDifference(xs, ys, k);
        return total % 2 == 1 ? lower : (lower + KthDifference(xs, ys, k + 1)) / 2.0;
    }

    private static double KthDifference(double[] xs, double[] ys, long k)
    {
        double lo = xs[0] - ys[^1], hi = xs[^1] - ys[0];
        if (CountAtMost(xs, ys, lo) >= k)
        {
            return lo;
        }

        // Invariant: fewer than k differences are <= lo, at least k are <= hi.
        for (var i = 0; i < 2000; i++)
        {
            var mid = lo + ((hi - lo) / 2);
            if (mid <= lo || mid >= hi)
            {
                break;
            }

            if (CountAtMost(xs, ys, mid) >= k)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        return LargestAtMost(xs, ys, hi);
    }

    private static long CountAtMost(double[] xs, double[] ys, double d)
    {
        long count = 0;
        var p = 0;
        foreach (var a in xs)
        {
            // x - y <= d  <=>  y >= x - d; the threshold grows with x, so p only moves forward.
            while (p < ys.Length && ys[p] < a - d)
            {
                p++;
            }

            count += ys.Length - p;
        }

        return count;
    }

    private static double LargestAtMost(double[] xs, double[] ys, double d)
    {
        var best = double.NegativeInfinity;
        var p = 0;
        foreach (var a in xs)
        {
            while (p < ys.Length && ys[p] < a - d)
            {
                p++;
            }

            if (p < ys.Length)
            {
                best = Math.Max(best, a - ys[p]);
            }
        }

        return best;
    }

    /// <summary>The median of a sample (the mean of the two middle values for an even count).</summary>
    /// <param name="values">The values, at least one.</param>
    /// <returns>The median.</returns>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("The median of an empty sample is undefined.", nameof(values));
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    /// <summary>The complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7).</summary>
    internal static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var i = c.Length - 1; i >= 0; i--)
        {
            poly = (poly * t) + c[i];
        }

        var r = t * Math.Exp(-(z * z) + poly);
        return x >= 0 ? r : 2.0 - r;
    }

    private static void CheckSample(IReadOnlyList<double> sample, string name)
    {
        if (sample.Count == 0)
        {
            throw new ArgumentException("The sample is empty.", name);
        }

        if (sample.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("The sample holds a value that is not finite.", name);
        }
    }
}
