using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>Makes the current bake of the active delivery longer, e.g. to gather more data after an inconclusive gate.</summary>
public sealed record ExtendBakeOverride : DeliveryOverride
{
    /// <summary>The longest single extension; longer waits are a pause.</summary>
    public static readonly TimeSpan MaxExtension = TimeSpan.FromDays(1);

    /// <summary>Gets how much longer to bake; positive and at most <see cref="MaxExtension"/>.</summary>
    public required TimeSpan By { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "extend bake";
}
