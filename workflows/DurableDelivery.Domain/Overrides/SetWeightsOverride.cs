using System.Text.Json.Serialization;
using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Domain.Overrides;

/// <summary>Sets listener weights by hand; refused when they would break an environment invariant.</summary>
public sealed record SetWeightsOverride : Override
{
    /// <summary>Gets the weights to set.</summary>
    public required TrafficWeights Weights { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "set weights";
}
