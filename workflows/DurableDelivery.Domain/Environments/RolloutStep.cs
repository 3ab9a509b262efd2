using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Environments;

/// <summary>One step of a rollout: the percent of traffic the new infra-set takes, and how long to bake there.</summary>
public sealed record RolloutStep
{
    /// <summary>Gets the percent of traffic (1 to 100) the new infra-set takes at this step.</summary>
    public required int Weight { get; init; }

    /// <summary>Gets how long traffic stays at this weight while the health gate watches.</summary>
    /// <value>The default is zero.</value>
    public TimeSpan Bake { get; init; }

    /// <summary>Gets the line the step was read from, when it was parsed from a file.</summary>
    [JsonIgnore]
    public int? Line { get; init; }
}
