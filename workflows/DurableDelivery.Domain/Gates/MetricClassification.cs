using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Gates;

/// <summary>How a metric of the new infra-set compares with the stable one (Kayenta's classes).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MetricClassification>))]
public enum MetricClassification
{
    /// <summary>No significant difference beyond the tolerance band: the metric passes.</summary>
    Pass,

    /// <summary>Significantly higher (worse) beyond the tolerance band, or above the absolute ceiling: the metric fails.</summary>
    High,

    /// <summary>Significantly lower (better) beyond the tolerance band: the metric passes.</summary>
    Low,

    /// <summary>Fewer data points than required on either infra-set: no judgement.</summary>
    NoData,
}
