using DurableDelivery.Providers.Aws.CloudWatch;

namespace DurableDelivery.Providers.Aws;

/// <summary>Metrics: the ALB's CloudWatch metrics of one target group over the same window for every
/// infra-set.</summary>
public sealed partial class AwsInfraProvider
{
    /// <summary>The CloudWatch namespace of application load balancer metrics.</summary>
    internal const string AlbNamespace = "AWS/ApplicationELB";

    /// <inheritdoc />
    /// <remarks>
    /// <c>RequestCount</c> and <c>HTTPCode_Target_5XX_Count</c> (sums) and <c>TargetResponseTime</c> (p50/p95/p99, in
    /// seconds, reported in ms) per period of <see cref="AwsProviderOptions.MetricsPeriod"/>, dimensions
    /// <c>TargetGroup</c> and <c>LoadBalancer</c>. The series has one sample per period (not per second), aligned to
    /// period boundaries, periods without data included with zero requests.
    /// </remarks>
    public Task<TrafficMetrics> GetMetricsAsync(string environment, string infraSetId, TimeSpan window, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            if (window <= TimeSpan.Zero || window > options.MaxMetricsWindow)
            {
                throw Rejected(InfraProviderErrorReason.InvalidSpec,
                    $"Metrics window {window} is out of range; "
                    + $"use more than 0 and at most {options.MaxMetricsWindow}.");
            }

            var (_, listener) = await ListenerOfAsync(environment, cancellationToken).ConfigureAwait(false);
            var info = await DescribeCoreAsync(infraSetId, cancellationToken).ConfigureAwait(false);
            var targetGroup = info is null || info.Spec.Environment != environment
                ? null
                : await clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(infraSetId), cancellationToken).ConfigureAwait(false);
            if (targetGroup is null)
            {
                throw Rejected(InfraProviderErrorReason.UnknownInfraSet,
                    $"Infra-set {infraSetId} has no target group in environment '{environment}'; "
                    + "name a live infra-set of this environment.");
            }

            var period = (long)options.MetricsPeriod.TotalSeconds;
            var periods = (long)Math.Ceiling(window.TotalSeconds / period);
            var end = DateTimeOffset.FromUnixTimeSeconds((DateTimeOffset.UtcNow.ToUnixTimeSeconds() / period + 1) * period);
            var start = end.AddSeconds(-periods * period);
            var dimensions = new Dictionary<string, string>
            {
                ["LoadBalancer"] = AwsNames.LoadBalancerDimension(listener.LoadBalancerArn),
                ["TargetGroup"] = AwsNames.TargetGroupDimension(targetGroup.Arn),
            };

            Task<IReadOnlyList<MetricDatapoint>> Read(string metric, long seconds, string[] statistics, string[] extended) =>
                clients.CloudWatch.GetMetricStatisticsAsync(
                    new MetricStatisticsRequest
                    {
                        Namespace = AlbNamespace,
                        MetricName = metric,
                        Dimensions = dimensions,
                        Start = start,
                        End = end,
                        PeriodSeconds = (int)seconds,
                        Statistics = statistics,
                        ExtendedStatistics = extended,
                    },
                    cancellationToken);

            var requests = await Read("RequestCount", period, ["Sum"], []).ConfigureAwait(false);
            var errors = await Read("HTTPCode_Target_5XX_Count", period, ["Sum"], []).ConfigureAwait(false);
            var latency = await Read("TargetResponseTime", period, [], ["p50", "p95", "p99"]).ConfigureAwait(false);
            var totalLatency = await Read("TargetResponseTime", periods * period, [], ["p50", "p95", "p99"]).ConfigureAwait(false);

            int Bucket(MetricDatapoint d) => (int)((d.Timestamp.ToUnixTimeSeconds() - start.ToUnixTimeSeconds()) / period);
            var series = new List<TrafficSample>();
            for (var i = 0; i < periods; i++)
            {
                var inBucket = (IReadOnlyList<MetricDatapoint> points) => points.Where(d => Bucket(d) == i).ToList();
                var count = (long)inBucket(requests).Sum(d => d.Sum ?? 0);
                var lat = inBucket(latency).FirstOrDefault();
                series.Add(new TrafficSample
                {
                    Start = start.AddSeconds(i * period),
                    End = start.AddSeconds((i + 1) * period),
                    Requests = count,
                    Errors5xx = (long)inBucket(errors).Sum(d => d.Sum ?? 0),
                    LatencyP50Ms = count == 0 ? null : Ms(lat, "p50"),
                    LatencyP95Ms = count == 0 ? null : Ms(lat, "p95"),
                    LatencyP99Ms = count == 0 ? null : Ms(lat, "p99"),
                });
            }

            var total = series.Sum(s => s.Requests);
            var whole = totalLatency.FirstOrDefault();
            return new TrafficMetrics
            {
                Environment = environment,
                InfraSetId = infraSetId,
                Availability = MetricsAvailability.Available,
                Totals = new TrafficSample
                {
                    Start = start,
                    End = end,
                    Requests = total,
                    Errors5xx = series.Sum(s => s.Errors5xx),
                    LatencyP50Ms = total == 0 ? null : Ms(whole, "p50"),
                    LatencyP95Ms = total == 0 ? null : Ms(whole, "p95"),
                    LatencyP99Ms = total == 0 ? null : Ms(whole, "p99"),
                },
                Series = series,
            };
        });

    private static double? Ms(MetricDatapoint? point, string percentile) =>
        point is not null && point.Extended.TryGetValue(percentile, out var seconds) ? seconds * 1000 : null;
}
