using System.Globalization;
using DurableDelivery.Providers.Aws.Query;

namespace DurableDelivery.Providers.Aws.CloudWatch;

/// <summary><see cref="ICloudWatchClient"/> over the CloudWatch Query API (2010-08-01, signed as
/// <c>monitoring</c>).</summary>
internal sealed class CloudWatchQueryClient(AwsQueryTransport transport) : ICloudWatchClient
{
    public const string SigningName = "monitoring";

    public const string ApiVersion = "2010-08-01";

    public async Task<IReadOnlyList<MetricDatapoint>> GetMetricStatisticsAsync(MetricStatisticsRequest request, CancellationToken cancellationToken)
    {
        var query = new QueryRequest("GetMetricStatistics")
            .Add("Namespace", request.Namespace)
            .Add("MetricName", request.MetricName)
            .AddStructures("Dimensions", request.Dimensions.OrderBy(d => d.Key, StringComparer.Ordinal), d => [("Name", d.Key), ("Value", d.Value)])
            .Add("StartTime", Iso(request.Start))
            .Add("EndTime", Iso(request.End))
            .Add("Period", request.PeriodSeconds)
            .AddList("Statistics", request.Statistics)
            .AddList("ExtendedStatistics", request.ExtendedStatistics);
        var result = await transport.SendAsync(query, cancellationToken).ConfigureAwait(false);
        return [.. result.Members("Datapoints").Select(d => new MetricDatapoint
        {
            Timestamp = d.Time("Timestamp") ?? DateTimeOffset.MinValue,
            Sum = d.Double("Sum"),
            Average = d.Double("Average"),
            SampleCount = d.Double("SampleCount"),
            Extended = d.Child("ExtendedStatistics")?.Elements()
                .Where(e => e.Text("key") is not null && e.Double("value") is not null)
                .ToDictionary(e => e.Text("key")!, e => e.Double("value")!.Value, StringComparer.Ordinal)
                ?? new Dictionary<string, double>(),
        }).OrderBy(d => d.Timestamp)];
    }

    public async Task PutMetricDataAsync(string metricNamespace, IReadOnlyList<MetricDatum> data, CancellationToken cancellationToken)
    {
        foreach (var chunk in data.Chunk(1000))
        {
            var query = new QueryRequest("PutMetricData").Add("Namespace", metricNamespace);
            var i = 0;
            foreach (var datum in chunk)
            {
                var prefix = $"MetricData.member.{++i}";
                query.Add($"{prefix}.MetricName", datum.MetricName)
                    .AddStructures($"{prefix}.Dimensions", datum.Dimensions.OrderBy(d => d.Key, StringComparer.Ordinal), d => [("Name", d.Key), ("Value", d.Value)])
                    .Add($"{prefix}.Timestamp", Iso(datum.Timestamp))
                    .Add($"{prefix}.Value", datum.Value.ToString("R", CultureInfo.InvariantCulture))
                    .Add($"{prefix}.Unit", datum.Unit);
            }

            await transport.SendAsync(query, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
