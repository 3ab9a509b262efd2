using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Gates;

/// <summary>A metric a health gate compares between the new and the stable infra-set. For both, higher is worse.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MetricKind>))]
public enum MetricKind
{
    /// <summary>The fraction of requests that failed in each second, from 0 to 1 (written <c>errorRate</c>).</summary>
    ErrorRate,

    /// <summary>The 99th percentile latency of each second, in milliseconds (written <c>latencyP99</c>).</summary>
    LatencyP99,
}
