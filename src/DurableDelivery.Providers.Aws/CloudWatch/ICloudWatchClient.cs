namespace DurableDelivery.Providers.Aws.CloudWatch;

/// <summary>
/// The CloudWatch calls the provider makes (API 2010-08-01). Implemented over the Query API by
/// <see cref="CloudWatchQueryClient"/>; an adapter over AWSSDK.CloudWatch can replace it.
/// </summary>
internal interface ICloudWatchClient
{
    /// <summary><c>GetMetricStatistics</c>.</summary>
    Task<IReadOnlyList<MetricDatapoint>> GetMetricStatisticsAsync(MetricStatisticsRequest request, CancellationToken cancellationToken);

    /// <summary><c>PutMetricData</c> (up to 1000 values per call; larger lists are split).</summary>
    Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken);
}
