namespace DurableDelivery.Domain.Traffic;

/// <summary>
/// The pure state changes of an environment (the environment workflow applies them after the provider confirmed the
/// matching action). Every transition that moves traffic checks <see cref="EnvironmentInvariants"/> first and throws
/// <see cref="InvariantViolationException"/> instead of returning an unsafe state.
/// </summary>
public static class EnvironmentTransitions
{
    /// <summary>Makes a delivery the active one.</summary>
    /// <param name="state">The state.</param>
    /// <param name="deliveryId">The delivery.</param>
    /// <returns>The new state.</returns>
    /// <exception cref="InvariantViolationException">Another delivery is active (at most one mutates an environment).</exception>
    public static EnvironmentState StartDelivery(EnvironmentState state, string deliveryId) =>
        state.ActiveDelivery is { } active
            ? throw new InvariantViolationException([new InvariantViolation { Code = InvariantCodes.ConcurrentDelivery, Message = $"delivery '{deliveryId}' cannot start: delivery '{active.DeliveryId}' is active" }])
            : state with { ActiveDelivery = new ActiveDelivery { DeliveryId = deliveryId } };

    /// <summary>Adds an infra-set, or replaces the one with the same id (e.g. with a new status).</summary>
    /// <param name="state">The state.</param>
    /// <param name="infraSet">The infra-set.</param>
    /// <returns>The new state.</returns>
    public static EnvironmentState Upsert(EnvironmentState state, InfraSet infraSet) => state with
    {
        InfraSets = state.InfraSets.Any(s => s.Id == infraSet.Id)
            ? [.. state.InfraSets.Select(s => s.Id == infraSet.Id ? infraSet : s)]
            : [.. state.InfraSets, infraSet],
    };

    /// <summary>Sets the listener weights after checking every invariant.</summary>
    /// <param name="state">The state.</param>
    /// <param name="weights">The weights.</param>
    /// <param name="byDeliveryId">The delivery making the change, or <see langword="null"/> for the environment itself.</param>
    /// <returns>The new state.</returns>
    /// <exception cref="InvariantViolationException">The change would break an invariant.</exception>
    public static EnvironmentState SetWeights(EnvironmentState state, TrafficWeights weights, string? byDeliveryId) =>
        EnvironmentInvariants.CheckTrafficChange(state, weights, byDeliveryId) is { Count: > 0 } violations
            ? throw new InvariantViolationException(violations)
            : state with { Weights = weights };

    /// <summary>
    /// Promotes an infra-set: all traffic to it, it becomes last known good with the next promotion number, and the
    /// active delivery ends.
    /// </summary>
    /// <param name="state">The state.</param>
    /// <param name="infraSetId">A healthy infra-set.</param>
    /// <returns>The new state.</returns>
    /// <exception cref="InvariantViolationException">The infra-set does not exist or is not healthy.</exception>
    public static EnvironmentState Promote(EnvironmentState state, string infraSetId)
    {
        var next = (state.InfraSets.Max(s => s.PromotionSequence) ?? 0) + 1;
        var promoted = state with
        {
            InfraSets = [.. state.InfraSets.Select(s => s.Id == infraSetId ? s with { PromotionSequence = next, Retired = false } : s)],
            LastKnownGood = infraSetId,
        };
        return SetWeights(promoted, TrafficWeights.All(infraSetId), null) with { ActiveDelivery = null };
    }

    /// <summary>
    /// Rolls back: all traffic to a warm infra-set, which becomes last known good; the active delivery ends. Retires
    /// (drained and deleted by retention, never again a rollback target) only what is rolled back from: the active
    /// delivery's infra-set, any infra-set that took traffic without ever being promoted (a failed or aborted canary),
    /// and the last known good when it took traffic and the target is another infra-set. Other promoted infra-sets
    /// that took traffic (e.g. an older release in a manual split) stay as they are: warm, kept by
    /// <see cref="RetentionPlanner"/> up to the environment's warm retention. Also used for abort, for a failed gate and
    /// for recovering from a lost delivery (the target is then the last known good).
    /// </summary>
    /// <param name="state">The state.</param>
    /// <param name="targetInfraSetId">A warm infra-set (see <c>OverrideValidator.ResolveRollbackTarget</c>).</param>
    /// <returns>The new state.</returns>
    /// <exception cref="InvariantViolationException">The target does not exist or is not healthy.</exception>
    public static EnvironmentState RollBack(EnvironmentState state, string targetInfraSetId) =>
        RollBack(state, targetInfraSetId, id =>
            id == state.ActiveDelivery?.InfraSetId || id == state.LastKnownGood || state.Find(id) is not { PromotionSequence: not null });

    /// <summary>
    /// The rollback rule before promoted infra-sets were kept warm: like <see cref="RollBack(EnvironmentState, string)"/>
    /// but every infra-set that took traffic, promoted or not, is retired.
    /// </summary>
    /// <param name="state">The state.</param>
    /// <param name="targetInfraSetId">A warm infra-set.</param>
    /// <returns>The new state.</returns>
    /// <exception cref="InvariantViolationException">The target does not exist or is not healthy.</exception>
    /// <remarks>Only for workflows replaying a history recorded under that rule (they branch on <c>Workflow.Patched</c>).</remarks>
    public static EnvironmentState RollBackRetiringAllThatTookTraffic(EnvironmentState state, string targetInfraSetId) =>
        RollBack(state, targetInfraSetId, _ => true);

    /// <summary>
    /// Records what a health check between deliveries found for a kept infra-set: healthy makes it warm again (status
    /// <see cref="InfraSetStatus.Healthy"/>), unhealthy takes it out of the warm set (status
    /// <see cref="InfraSetStatus.Unhealthy"/>, <see cref="InfraSet.UnhealthySince"/> the first time it was found so).
    /// </summary>
    /// <param name="state">The state.</param>
    /// <param name="infraSetId">The infra-set checked.</param>
    /// <param name="healthy">Whether the provider found every instance healthy.</param>
    /// <param name="result">The provider's status and message, shown in status.</param>
    /// <param name="at">When the check ran.</param>
    /// <returns>
    /// The new state; the state unchanged when the infra-set is gone or no longer healthy-or-unhealthy (e.g. it began to
    /// drain while the check ran): a check never brings back an infra-set retention let go.
    /// </returns>
    /// <remarks>
    /// Retired infra-sets are recorded like others but stay retired: a recovered canary that was rolled back from is
    /// never again a rollback target. Weights are not changed here: an infra-set found unhealthy while it takes traffic
    /// shows as an invariant violation in status until a person or a delivery moves the traffic.
    /// </remarks>
    public static EnvironmentState RecordHealthCheck(EnvironmentState state, string infraSetId, bool healthy, string result, DateTimeOffset at)
    {
        if (state.Find(infraSetId) is not { Status: InfraSetStatus.Healthy or InfraSetStatus.Unhealthy } set)
        {
            return state;
        }

        var checkedSet = healthy
            ? set with { Status = InfraSetStatus.Healthy, HealthCheckedAt = at, HealthCheck = result, UnhealthySince = null }
            : set with { Status = InfraSetStatus.Unhealthy, HealthCheckedAt = at, HealthCheck = result, UnhealthySince = set.UnhealthySince ?? at };
        return Upsert(state, checkedSet);
    }

    private static EnvironmentState RollBack(EnvironmentState state, string targetInfraSetId, Func<string, bool> rolledBackFrom)
    {
        var leaving = state.Weights.Receiving.Append(state.ActiveDelivery?.InfraSetId).Where(id => id is not null && id != targetInfraSetId).Select(id => id!);
        var retired = leaving.Where(rolledBackFrom).ToHashSet(StringComparer.Ordinal);
        var rolledBack = state with
        {
            InfraSets = [.. state.InfraSets.Select(s => retired.Contains(s.Id) ? s with { Retired = true } : s)],
            LastKnownGood = targetInfraSetId,
        };
        return SetWeights(rolledBack, TrafficWeights.All(targetInfraSetId), null) with { ActiveDelivery = null };
    }
}
