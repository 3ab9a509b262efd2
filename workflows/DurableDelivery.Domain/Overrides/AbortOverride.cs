using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>Stops the active delivery and returns all traffic to the last known good infra-set; the new infra-set is retired.</summary>
public sealed record AbortOverride : DeliveryOverride
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "abort";
}
