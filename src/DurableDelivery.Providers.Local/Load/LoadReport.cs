namespace DurableDelivery.Providers.Local.Load;

/// <summary>What a load run sent and what served it, so far or in the end.</summary>
public sealed record LoadReport
{
    /// <summary>Gets the target the load went to.</summary>
    public required string Target { get; init; }

    /// <summary>Gets how long the run has taken.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets how many requests were sent.</summary>
    public long Sent { get; init; }

    /// <summary>Gets how many requests were due but not sent because <see cref="LoadOptions.MaxConcurrency"/> were in flight.</summary>
    public long Skipped { get; init; }

    /// <summary>Gets how many responses arrived (any status).</summary>
    public long Completed { get; init; }

    /// <summary>Gets how many requests got no response (connection refused, timeout).</summary>
    public long Failed { get; init; }

    /// <summary>Gets how many responses each version served (from <c>X-Served-By-Version</c>).</summary>
    public IReadOnlyDictionary<string, long> ByVersion { get; set; } = new Dictionary<string, long>();

    /// <summary>Gets how many responses had each status code.</summary>
    public IReadOnlyDictionary<int, long> ByStatus { get; set; } = new Dictionary<int, long>();

    /// <summary>Gets the median latency in milliseconds, <see langword="null"/> before the first response.</summary>
    public double? LatencyP50Ms { get; init; }

    /// <summary>Gets the 99th percentile latency in milliseconds.</summary>
    public double? LatencyP99Ms { get; init; }

    /// <summary>Gets the achieved rate of completed responses per second.</summary>
    public double CompletedPerSecond => Elapsed > TimeSpan.Zero ? Completed / Elapsed.TotalSeconds : 0;
}
