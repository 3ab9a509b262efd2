using System.Globalization;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Gates;

namespace DurableDelivery.Domain.Environments;

/// <summary>The weighted steps of a progressive rollout, in increasing weight, ending at 100.</summary>
/// <remarks>
/// Health gates run during the bake of every step below 100. At 100 the stable infra-set takes no traffic, so there is
/// nothing to compare: that bake is a plain soak before promotion. A gated step must bake at least
/// <see cref="MinimumGatedBake"/>: the gate needs <see cref="GateSettings.MinDataPoints"/> per-second samples, and a
/// shorter bake can only end Inconclusive (or, at 0 s, ask the provider for an empty metrics window).
/// </remarks>
public sealed record RolloutPlan
{
    /// <summary>Gets the steps.</summary>
    /// <value>The default is 5, 25, 50 with a 5 minute bake each, then 100 with no bake.</value>
    public IReadOnlyList<RolloutStep> Steps { get; set; } =
    [
        new RolloutStep { Weight = 5, Bake = TimeSpan.FromMinutes(5) },
        new RolloutStep { Weight = 25, Bake = TimeSpan.FromMinutes(5) },
        new RolloutStep { Weight = 50, Bake = TimeSpan.FromMinutes(5) },
        new RolloutStep { Weight = 100 },
    ];

    /// <summary>Gets whether a step is gated: below 100% the stable infra-set still takes traffic to compare with.</summary>
    /// <param name="step">The step.</param>
    /// <returns><see langword="true"/> when a health gate judges the step's bake.</returns>
    public static bool IsGated(RolloutStep step) => step.Weight < 100;

    /// <summary>Gets the shortest bake of a gated step: one second per data point the gate needs.</summary>
    /// <param name="gates">The gate settings.</param>
    /// <returns><see cref="GateSettings.MinDataPoints"/> seconds.</returns>
    /// <remarks>
    /// A floor, not a guarantee: seconds without a request to the new infra-set give no sample, and the first and last
    /// seconds of a bake are partial, so a step with little traffic needs a longer bake to reach a verdict.
    /// </remarks>
    public static TimeSpan MinimumGatedBake(GateSettings gates) => TimeSpan.FromSeconds(gates.MinDataPoints);

    /// <summary>The gated steps whose bake is shorter than <see cref="MinimumGatedBake"/>, each with a one-line message.</summary>
    /// <param name="gates">The gate settings.</param>
    /// <returns>1-based step numbers, the step and its message, in plan order.</returns>
    internal IEnumerable<(int Number, RolloutStep Step, string Message)> BakeProblems(GateSettings gates)
    {
        var minimum = MinimumGatedBake(gates);
        return Steps
            .Select((step, i) => (Number: i + 1, Step: step))
            .Where(s => IsGated(s.Step) && s.Step.Bake < minimum)
            .Select(s => (s.Number, s.Step, string.Create(
                CultureInfo.InvariantCulture,
                $"Rollout step {s.Number} (weight {s.Step.Weight}) bakes {DurationText.Format(s.Step.Bake)}, but its health gate needs {gates.MinDataPoints} per-second data points (gates.minDataPoints), so at least {DurationText.Format(minimum)}. Set this step's 'bake' to {DurationText.Format(minimum)} or more, or lower gates.minDataPoints.")));
    }
}
