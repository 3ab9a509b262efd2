using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Gates;

/// <summary>The verdict of a health gate on one bake.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GateVerdict>))]
public enum GateVerdict
{
    /// <summary>The score reached the pass threshold and no critical metric failed: go on.</summary>
    Pass,

    /// <summary>The score is between the marginal and the pass thresholds: a person decides (pause).</summary>
    Marginal,

    /// <summary>The score is below the marginal threshold, or a critical metric failed: roll back.</summary>
    Fail,

    /// <summary>Too little data to judge: never a pass; a person decides or the bake is extended.</summary>
    Inconclusive,
}
