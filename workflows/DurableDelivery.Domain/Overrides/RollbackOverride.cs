using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Overrides;

/// <summary>
/// Puts all traffic on a warm infra-set at once: the last known good (or, when it already takes all traffic, the
/// most recently promoted warm infra-set before it), or the one named in <see cref="To"/>. Acts between deliveries too;
/// an active delivery is aborted first.
/// </summary>
public sealed record RollbackOverride : Override
{
    /// <summary>Gets the warm infra-set to roll back to; <see langword="null"/> for the default target.</summary>
    public string? To { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override string Verb => "roll back";
}
