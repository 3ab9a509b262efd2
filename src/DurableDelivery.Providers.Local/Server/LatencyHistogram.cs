using System.Numerics;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// A log-linear latency histogram in microseconds: exact below 32 µs, then 16 buckets per power of two (about 6%
/// resolution) up to about 17 minutes. Not thread-safe; <see cref="TrafficSeries"/> guards it.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 32;
    private const int SubBuckets = 16;
    private const int MaxMsb = 30;
    public const int BucketCount = LinearBuckets + ((MaxMsb - 4) * SubBuckets);

    private readonly int[] counts = new int[BucketCount];

    public long Count { get; private set; }

    public static int IndexOf(long microseconds)
    {
        if (microseconds < LinearBuckets)
        {
            return (int)Math.Max(0, microseconds);
        }

        var msb = Math.Min(63 - BitOperations.LeadingZeroCount((ulong)microseconds), MaxMsb);
        var sub = (int)((microseconds >> (msb - 4)) & (SubBuckets - 1));
        return Math.Min(LinearBuckets + ((msb - 5) * SubBuckets) + sub, BucketCount - 1);
    }

    /// <summary>The middle of a bucket, in microseconds.</summary>
    public static double ValueOf(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }

        var msb = ((index - LinearBuckets) / SubBuckets) + 5;
        var sub = (index - LinearBuckets) % SubBuckets;
        var width = 1L << (msb - 4);
        return ((SubBuckets + sub) * width) + (width / 2.0);
    }

    public void Record(long microseconds)
    {
        counts[IndexOf(microseconds)]++;
        Count++;
    }

    public void Clear()
    {
        Array.Clear(counts);
        Count = 0;
    }

    public void AddTo(LatencyHistogram target)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            target.counts[i] += counts[i];
        }

        target.Count += Count;
    }

    /// <summary>The latency at quantile <paramref name="q"/> in milliseconds, or null when empty.</summary>
    public double? QuantileMs(double q)
    {
        if (Count == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * Count));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Round(ValueOf(i) / 1000.0, 3);
            }
        }

        return Math.Round(ValueOf(counts.Length - 1) / 1000.0, 3);
    }
}
