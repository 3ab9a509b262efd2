using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>Skips the remaining steps: all traffic to the new infra-set, which becomes last known good.</summary>
public sealed record PromoteOverride : DeliveryOverride
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "promote";
}
