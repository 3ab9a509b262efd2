using System.Globalization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>
/// Decides which infra-sets stay warm at 0% and which are drained, then deleted, after a promotion or a rollback.
/// </summary>
/// <remarks>
/// Make-before-break: an infra-set that takes traffic (weight above 0), the last known good, the default rollback
/// target and the active delivery's infra-set are always kept. Of the other promoted, healthy, not retired infra-sets
/// the <c>warmCount</c> most recently promoted stay warm (the last known good is not counted). A promoted, not retired
/// infra-set the environment's health check found unhealthy is also kept while it is among the <c>warmCount</c> most
/// recently promoted (it may recover), without taking a warm one's place; a newer promotion pushes it out. Everything else is
/// drained; only a drained infra-set is deleted. Running the planner again on the resulting state is safe.
/// </remarks>
public static class RetentionPlanner
{
    /// <summary>Plans retention.</summary>
    /// <param name="state">The environment state.</param>
    /// <param name="warmCount">How many previously promoted infra-sets stay warm besides the last known good (the environment's <c>warmRetention</c>).</param>
    /// <returns>One decision per existing infra-set.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmCount"/> is negative.</exception>
    public static RetentionPlan Plan(EnvironmentState state, int warmCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmCount);
        var rollbackTarget = state.DefaultRollbackTarget();
        var warm = state.PreviousWarm().Take(warmCount).Select((s, i) => (s.Id, Rank: i + 1)).ToDictionary(x => x.Id, x => x.Rank, StringComparer.Ordinal);
        var unhealthyKept = state.PreviousKept().Take(warmCount).Where(s => !s.IsWarm).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var decisions = new List<RetentionDecision>();
        foreach (var set in state.Existing)
        {
            var weight = state.Weights.WeightOf(set.Id);
            (RetentionAction Action, string Reason) decision =
                weight > 0 ? (RetentionAction.Keep, string.Create(CultureInfo.InvariantCulture, $"takes traffic (weight {weight})"))
                : set.Id == state.LastKnownGood ? (RetentionAction.Keep, "last known good")
                : set.Id == state.ActiveDelivery?.InfraSetId ? (RetentionAction.Keep, $"infra-set of active delivery '{state.ActiveDelivery.DeliveryId}'")
                : set.Id == rollbackTarget ? (RetentionAction.Keep, "rollback target")
                : warm.TryGetValue(set.Id, out var rank) ? (RetentionAction.Keep, string.Create(CultureInfo.InvariantCulture, $"warm ({rank} of {warmCount})"))
                : unhealthyKept.Contains(set.Id) ? (RetentionAction.Keep, "kept while unhealthy, may recover")
                : set.Status == InfraSetStatus.Drained ? (RetentionAction.Delete, "drained")
                : (RetentionAction.Drain, Why(set, warmCount));
            decisions.Add(new RetentionDecision { InfraSetId = set.Id, Action = decision.Action, Reason = decision.Reason });
        }

        return new RetentionPlan { Decisions = decisions };
    }

    private static string Why(InfraSet set, int warmCount) =>
        set.Retired ? "retired (failed or rolled back from)"
        : set.PromotionSequence is null ? "never promoted and not in use"
        : !set.IsWarm ? $"not healthy ({set.Status})"
        : string.Create(CultureInfo.InvariantCulture, $"beyond the {warmCount} warm infra-sets");
}
