namespace DurableDelivery.Providers;

/// <summary>Traffic counted over one interval: a whole window (totals) or one second of it (series).</summary>
public sealed record TrafficSample
{
    /// <summary>Gets the start of the interval.</summary>
    public DateTimeOffset Start { get; init; }

    /// <summary>Gets the end of the interval (exclusive).</summary>
    public DateTimeOffset End { get; init; }

    /// <summary>Gets how many responses completed in the interval.</summary>
    public long Requests { get; init; }

    /// <summary>Gets how many of them had a 5xx status (including the listener's own 502/503/504).</summary>
    public long Errors5xx { get; init; }

    /// <summary>Gets the share of 5xx responses, 0 to 1; <see langword="null"/> when there were no requests.</summary>
    public double? ErrorRate => Requests == 0 ? null : (double)Errors5xx / Requests;

    /// <summary>Gets the median latency in milliseconds as seen by the listener; <see langword="null"/> without requests.</summary>
    public double? LatencyP50Ms { get; init; }

    /// <summary>Gets the 95th percentile latency in milliseconds; <see langword="null"/> without requests.</summary>
    public double? LatencyP95Ms { get; init; }

    /// <summary>Gets the 99th percentile latency in milliseconds; <see langword="null"/> without requests.</summary>
    public double? LatencyP99Ms { get; init; }
}
