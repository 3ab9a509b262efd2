using DurableDelivery.Domain.Environments;

namespace DurableDelivery.Domain.Traffic;

/// <summary>Turns a rollout plan into the listener weights of each step.</summary>
public static class WeightPlan
{
    /// <summary>Returns the weights of each rollout step, from the first step to the last.</summary>
    /// <param name="plan">A valid rollout plan: weights from 1 to 100, increasing, ending at 100.</param>
    /// <param name="stableInfraSetId">The infra-set taking traffic now, or <see langword="null"/> for an environment's first delivery.</param>
    /// <param name="canaryInfraSetId">The new infra-set.</param>
    /// <returns>
    /// One weight map per step: the step's percent to the canary and the rest to the stable infra-set, summing to 100.
    /// The last map names only the canary, so the old stable infra-set can be drained later without the listener still
    /// naming it. Without a stable infra-set there is nothing to compare with: the plan is one step, all to the canary.
    /// </returns>
    /// <exception cref="ArgumentException">The plan is invalid or both ids are the same.</exception>
    public static IReadOnlyList<TrafficWeights> For(RolloutPlan plan, string? stableInfraSetId, string canaryInfraSetId)
    {
        if (stableInfraSetId == canaryInfraSetId)
        {
            throw new ArgumentException($"The stable and the new infra-set are both '{canaryInfraSetId}'.", nameof(canaryInfraSetId));
        }

        var steps = plan.Steps;
        if (steps.Count == 0 || steps[^1].Weight != 100 || steps.Any(s => s.Weight is < 1 or > 100)
            || steps.Zip(steps.Skip(1)).Any(p => p.Second.Weight <= p.First.Weight))
        {
            throw new ArgumentException("A rollout plan needs weights from 1 to 100, in increasing order, ending at 100.", nameof(plan));
        }

        if (stableInfraSetId is null)
        {
            return [TrafficWeights.All(canaryInfraSetId)];
        }

        return steps
            .Select(s => s.Weight == 100
                ? TrafficWeights.All(canaryInfraSetId)
                : TrafficWeights.Of((stableInfraSetId, 100 - s.Weight), (canaryInfraSetId, s.Weight)))
            .ToArray();
    }
}
