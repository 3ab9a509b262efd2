using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>Pauses the active delivery: it stays at its current weights and stops advancing until resumed (the health gate keeps watching).</summary>
public sealed record PauseOverride : DeliveryOverride
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "pause";
}
