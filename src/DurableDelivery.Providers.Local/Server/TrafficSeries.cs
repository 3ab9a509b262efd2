namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// Traffic from one listener to one infra-set: a ring of one-second buckets (requests, 5xx, latency histogram) covering
/// the retention window, plus the number of requests in flight.
/// </summary>
internal sealed class TrafficSeries(int retentionSeconds)
{
    private readonly Bucket[] ring = Enumerable.Range(0, retentionSeconds + 1).Select(_ => new Bucket()).ToArray();
    private int inFlight;

    public int InFlight => Volatile.Read(ref inFlight);

    public void Begin() => Interlocked.Increment(ref inFlight);

    public void End(long unixSecond, int statusCode, long microseconds)
    {
        Interlocked.Decrement(ref inFlight);
        var bucket = ring[unixSecond % ring.Length];
        lock (bucket)
        {
            if (bucket.Second != unixSecond)
            {
                bucket.Second = unixSecond;
                bucket.Requests = 0;
                bucket.Errors = 0;
                bucket.Histogram.Clear();
            }

            bucket.Requests++;
            if (statusCode >= 500)
            {
                bucket.Errors++;
            }

            bucket.Histogram.Record(microseconds);
        }
    }

    /// <summary>Totals and per-second samples for the <paramref name="seconds"/> seconds ending with <paramref name="nowUnixSecond"/>.</summary>
    public (TrafficSample Totals, IReadOnlyList<TrafficSample> Series) Read(long nowUnixSecond, int seconds)
    {
        seconds = Math.Clamp(seconds, 1, ring.Length - 1);
        var total = new LatencyHistogram();
        var one = new LatencyHistogram();
        long requests = 0, errors = 0;
        var series = new List<TrafficSample>(seconds);
        for (var second = nowUnixSecond - seconds + 1; second <= nowUnixSecond; second++)
        {
            long r = 0, e = 0;
            one.Clear();
            var bucket = ring[second % ring.Length];
            lock (bucket)
            {
                if (bucket.Second == second)
                {
                    r = bucket.Requests;
                    e = bucket.Errors;
                    bucket.Histogram.AddTo(one);
                }
            }

            one.AddTo(total);
            requests += r;
            errors += e;
            series.Add(Sample(second, second + 1, r, e, one));
        }

        return (Sample(nowUnixSecond - seconds + 1, nowUnixSecond + 1, requests, errors, total), series);
    }

    private static TrafficSample Sample(long start, long end, long requests, long errors, LatencyHistogram histogram) => new()
    {
        Start = DateTimeOffset.FromUnixTimeSeconds(start),
        End = DateTimeOffset.FromUnixTimeSeconds(end),
        Requests = requests,
        Errors5xx = errors,
        LatencyP50Ms = histogram.QuantileMs(0.50),
        LatencyP95Ms = histogram.QuantileMs(0.95),
        LatencyP99Ms = histogram.QuantileMs(0.99),
    };

    private sealed class Bucket
    {
        public long Second { get; set; } = -1;

        public long Requests { get; set; }

        public long Errors { get; set; }

        public LatencyHistogram Histogram { get; } = new();
    }
}
