using System.Globalization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>
/// The safety invariants of an environment, checked before every traffic change and asserted in tests:
/// (1) weights name only existing, healthy infra-sets, each from 0 to 999, and sum to a positive total;
/// (2) whenever traffic flows, the rollback target (the last known good infra-set) exists and is warm;
/// (3) at most one delivery mutates the environment: only the active delivery, or the environment itself, changes traffic.
/// </summary>
public static class EnvironmentInvariants
{
    /// <summary>Checks a state as it is.</summary>
    /// <param name="state">The state.</param>
    /// <returns>Every violation; empty when the state is safe.</returns>
    /// <remarks>
    /// An environment that never served (no last known good, no weights) is safe: the weights must be positive only once
    /// anything takes traffic, and there is no rollback target before the first promotion.
    /// </remarks>
    public static IReadOnlyList<InvariantViolation> Check(EnvironmentState state)
    {
        var neverServed = state.LastKnownGood is null && state.Weights.Weights.Count == 0;
        return neverServed ? [] : CheckWeights(state, state.Weights).Concat(CheckRollbackTarget(state, state.Weights)).ToArray();
    }

    /// <summary>Checks a proposed traffic change before it is made.</summary>
    /// <param name="state">The state before the change.</param>
    /// <param name="proposed">The weights to set.</param>
    /// <param name="byDeliveryId">The delivery making the change, or <see langword="null"/> for the environment itself (an override).</param>
    /// <returns>Every violation; empty when the change is safe to make.</returns>
    public static IReadOnlyList<InvariantViolation> CheckTrafficChange(EnvironmentState state, TrafficWeights proposed, string? byDeliveryId)
    {
        var violations = new List<InvariantViolation>();
        if (byDeliveryId is not null && state.ActiveDelivery?.DeliveryId != byDeliveryId)
        {
            violations.Add(new InvariantViolation
            {
                Code = InvariantCodes.ConcurrentDelivery,
                Message = state.ActiveDelivery is { } active
                    ? $"delivery '{byDeliveryId}' may not change traffic: delivery '{active.DeliveryId}' is active"
                    : $"delivery '{byDeliveryId}' may not change traffic: it is not the active delivery (none is active)",
            });
        }

        violations.AddRange(CheckWeights(state, proposed));
        violations.AddRange(CheckRollbackTarget(state, proposed));
        return violations;
    }

    private static IEnumerable<InvariantViolation> CheckWeights(EnvironmentState state, TrafficWeights weights)
    {
        foreach (var (id, weight) in weights.Weights)
        {
            if (weight is < 0 or > TrafficWeights.MaxWeight)
            {
                yield return new InvariantViolation { Code = InvariantCodes.InvalidWeight, Message = string.Create(CultureInfo.InvariantCulture, $"weight of infra-set '{id}' is {weight}; weights must be from 0 to {TrafficWeights.MaxWeight}") };
            }

            var set = state.Find(id);
            if (set is null)
            {
                yield return new InvariantViolation { Code = InvariantCodes.UnknownInfraSet, Message = $"weights name infra-set '{id}', which does not exist; infra-sets: {TrafficWeights.List(state.Existing.Select(s => s.Id))}" };
            }
            else if (!set.IsWarm)
            {
                yield return new InvariantViolation { Code = InvariantCodes.UnhealthyInfraSet, Message = $"weights name infra-set '{id}', which is {set.Status}; only healthy infra-sets may be named; healthy: {TrafficWeights.List(state.WarmIds)}" };
            }
        }

        if (weights.Total <= 0)
        {
            yield return new InvariantViolation { Code = InvariantCodes.NoTraffic, Message = "weights sum to 0; at least one infra-set must take traffic" };
        }
    }

    private static IEnumerable<InvariantViolation> CheckRollbackTarget(EnvironmentState state, TrafficWeights weights)
    {
        if (state.LastKnownGood is not { } lkg || weights.Total <= 0)
        {
            yield break;
        }

        var set = state.Find(lkg);
        if (set is null)
        {
            yield return new InvariantViolation { Code = InvariantCodes.RollbackTargetMissing, Message = $"last known good infra-set '{lkg}' does not exist; traffic must always have a rollback target" };
        }
        else if (!set.IsWarm)
        {
            yield return new InvariantViolation { Code = InvariantCodes.RollbackTargetNotWarm, Message = $"last known good infra-set '{lkg}' is {set.Status}, not warm; traffic must always have a warm rollback target" };
        }
    }
}
