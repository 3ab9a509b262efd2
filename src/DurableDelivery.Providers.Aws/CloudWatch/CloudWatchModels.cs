namespace DurableDelivery.Providers.Aws.CloudWatch;

/// <summary>The parameters of <c>GetMetricStatistics</c>.</summary>
internal sealed record MetricStatisticsRequest
{
    public required string Namespace { get; init; }

    public required string MetricName { get; init; }

    public IReadOnlyDictionary<string, string> Dimensions { get; init; } = new Dictionary<string, string>();

    public DateTimeOffset Start { get; init; }

    public DateTimeOffset End { get; init; }

    public int PeriodSeconds { get; init; }

    /// <summary><c>Sum</c>, <c>Average</c>, <c>SampleCount</c>, <c>Minimum</c>, <c>Maximum</c>.</summary>
    public IReadOnlyList<string> Statistics { get; init; } = [];

    /// <summary>Percentiles such as <c>p99</c>.</summary>
    public IReadOnlyList<string> ExtendedStatistics { get; init; } = [];
}

/// <summary>One datapoint: the statistics of one period.</summary>
internal sealed record MetricDatapoint
{
    public DateTimeOffset Timestamp { get; init; }

    public double? Sum { get; init; }

    public double? Average { get; init; }

    public double? SampleCount { get; init; }

    public IReadOnlyDictionary<string, double> Extended { get; init; } = new Dictionary<string, double>();
}

/// <summary>One value for <c>PutMetricData</c>.</summary>
internal sealed record MetricDatum(string MetricName, IReadOnlyDictionary<string, string> Dimensions, DateTimeOffset Timestamp, double Value, string Unit);
