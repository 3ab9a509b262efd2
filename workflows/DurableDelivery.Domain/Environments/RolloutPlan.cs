namespace DurableDelivery.Domain.Environments;

/// <summary>The weighted steps of a progressive rollout, in increasing weight, ending at 100.</summary>
/// <remarks>
/// Health gates run during the bake of every step below 100. At 100 the stable infra-set takes no traffic, so there is
/// nothing to compare: that bake is a plain soak before promotion.
/// </remarks>
public sealed record RolloutPlan
{
    /// <summary>Gets the steps.</summary>
    /// <value>The default is 5, 25, 50 with a 5 minute bake each, then 100 with no bake.</value>
    public IReadOnlyList<RolloutStep> Steps { get; init; } =
    [
        new RolloutStep { Weight = 5, Bake = TimeSpan.FromMinutes(5) },
        new RolloutStep { Weight = 25, Bake = TimeSpan.FromMinutes(5) },
        new RolloutStep { Weight = 50, Bake = TimeSpan.FromMinutes(5) },
        new RolloutStep { Weight = 100 },
    ];
}
