using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Domain.Overrides;

/// <summary>
/// Decides whether an override may act on an environment's current state; pure, so workflow update validators call it
/// and a refused override changes nothing.
/// </summary>
public static class OverrideValidator
{
    /// <summary>Validates an override against the current state.</summary>
    /// <param name="request">The override.</param>
    /// <param name="state">The environment's state now.</param>
    /// <returns>The refusal, or <see langword="null"/> when the override may act.</returns>
    public static OverrideRefusal? Validate(Override request, EnvironmentState state)
    {
        var verb = request.Verb;
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return Refuse(OverrideRefusalCodes.MissingAuditInfo, $"cannot {verb}: a reason is required; say why with --reason \"...\"");
        }

        if (string.IsNullOrWhiteSpace(request.RequestedBy))
        {
            return Refuse(OverrideRefusalCodes.MissingAuditInfo, $"cannot {verb}: who asked is required (RequestedBy is empty)");
        }

        return request switch
        {
            DeliveryOverride d when ActiveOrRefusal(d, state) is { } refusal => refusal,
            PauseOverride => state.ActiveDelivery!.Paused
                ? Refuse(OverrideRefusalCodes.WrongDeliveryState, $"cannot pause: delivery '{state.ActiveDelivery.DeliveryId}' is already paused")
                : RefuseIfRollingBack(verb, state.ActiveDelivery),
            ResumeOverride => state.ActiveDelivery!.Paused
                ? null
                : Refuse(OverrideRefusalCodes.WrongDeliveryState, $"cannot resume: delivery '{state.ActiveDelivery.DeliveryId}' is not paused"),
            PromoteOverride => ValidatePromote(state, state.ActiveDelivery!),
            AbortOverride => ValidateAbort(state, state.ActiveDelivery!),
            ExtendBakeOverride e => ValidateExtendBake(e, state.ActiveDelivery!),
            RollbackOverride r => ResolveRollbackTarget(r, state, out _),
            SetWeightsOverride w => EnvironmentInvariants.CheckTrafficChange(state, w.Weights, null) is { Count: > 0 } violations
                ? Refuse(OverrideRefusalCodes.InvalidWeights, "cannot set weights: " + string.Join("; ", violations.Select(v => v.Message)))
                : null,
            _ => null,
        };
    }

    /// <summary>Finds where a rollback puts the traffic.</summary>
    /// <param name="request">The rollback.</param>
    /// <param name="state">The environment's state now.</param>
    /// <param name="targetInfraSetId">The warm infra-set that takes all traffic, when the rollback may act.</param>
    /// <returns>The refusal, or <see langword="null"/> when the rollback may act.</returns>
    public static OverrideRefusal? ResolveRollbackTarget(RollbackOverride request, EnvironmentState state, out string? targetInfraSetId)
    {
        targetInfraSetId = null;
        var warm = TrafficWeights.List(state.WarmIds.Where(id => id != state.ActiveDelivery?.InfraSetId));
        var target = request.To ?? state.DefaultRollbackTarget();
        if (target is null)
        {
            return Refuse(OverrideRefusalCodes.NoRollbackTarget, NoDefaultTarget(state));
        }

        var set = state.Find(target);
        if (set is null)
        {
            return Refuse(OverrideRefusalCodes.RollbackTargetInvalid, $"rollback target '{target}' does not exist; warm infra-sets: {warm}");
        }

        if (!set.IsWarm)
        {
            return Refuse(OverrideRefusalCodes.RollbackTargetInvalid, $"rollback target '{target}' is not warm ({set.Status}); warm infra-sets: {warm}");
        }

        if (target == state.ActiveDelivery?.InfraSetId)
        {
            return Refuse(OverrideRefusalCodes.RollbackTargetInvalid, $"rollback target '{target}' is the new infra-set of active delivery '{state.ActiveDelivery.DeliveryId}'; use promote to move all traffic to it");
        }

        var receiving = state.Weights.Receiving;
        if (receiving.Count == 1 && receiving[0] == target)
        {
            return Refuse(OverrideRefusalCodes.RollbackTargetInvalid, $"cannot roll back: infra-set '{target}' already takes all traffic; other warm infra-sets: {TrafficWeights.List(state.WarmIds.Where(id => id != target && id != state.ActiveDelivery?.InfraSetId))}");
        }

        targetInfraSetId = target;
        return null;
    }

    /// <summary>Says why a rollback without <c>--to</c> has nowhere to go, without listing the infra-set it would leave as if it were a target.</summary>
    private static string NoDefaultTarget(EnvironmentState state)
    {
        var receiving = state.Weights.Receiving;
        var others = state.WarmIds.Where(id => id != state.ActiveDelivery?.InfraSetId && !receiving.Contains(id)).ToArray();
        var named = others.Length == 0 ? string.Empty : $"; {TrafficWeights.List(others)} {(others.Length == 1 ? "is" : "are")} warm but never promoted or rolled back from: name one with --to to use it anyway";
        if (state.LastKnownGood is { } lkg && !(receiving.Count == 1 && receiving[0] == lkg))
        {
            var status = state.Find(lkg)?.Status.ToString() ?? "deleted";
            return $"cannot roll back: last known good '{lkg}' is not warm ({status}); warm infra-sets: {TrafficWeights.List(state.WarmIds.Where(id => id != state.ActiveDelivery?.InfraSetId))}";
        }

        var unhealthy = state.PreviousKept().Where(s => !s.IsWarm).Select(s => s.UnhealthySince is { } since
            ? $"'{s.Id}' is {s.Status} since {since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z{(s.HealthCheck is { } check ? $" ({check})" : string.Empty)}"
            : $"'{s.Id}' is {s.Status}").ToArray();
        var why = unhealthy.Length == 0 ? string.Empty : $" (previous release{(unhealthy.Length == 1 ? string.Empty : "s")} {string.Join(", ", unhealthy)})";
        return receiving.Count == 1
            ? $"cannot roll back: {receiving[0]} already takes 100% of traffic; no other warm infra-set to roll back to{why}{named}"
            : $"cannot roll back: no warm infra-set to roll back to; warm infra-sets: {TrafficWeights.List(state.WarmIds.Where(id => id != state.ActiveDelivery?.InfraSetId))}";
    }

    private static OverrideRefusal? ActiveOrRefusal(DeliveryOverride request, EnvironmentState state)
    {
        var active = state.ActiveDelivery;
        if (active is null)
        {
            return Refuse(OverrideRefusalCodes.DeliveryNotActive, request.DeliveryId is { } named
                ? $"cannot {request.Verb}: delivery '{named}' is not active; no delivery is active in environment '{state.Environment}'"
                : $"cannot {request.Verb}: no delivery is active in environment '{state.Environment}'");
        }

        if (request.DeliveryId is { } id && id != active.DeliveryId)
        {
            return Refuse(OverrideRefusalCodes.DeliveryNotActive, $"cannot {request.Verb}: delivery '{id}' is not active; the active delivery is '{active.DeliveryId}'");
        }

        return active.Phase == DeliveryPhase.CleaningUp
            ? Refuse(OverrideRefusalCodes.WrongDeliveryState, $"cannot {request.Verb}: delivery '{active.DeliveryId}' has already settled traffic and is cleaning up; roll the environment back instead")
            : null;
    }

    private static OverrideRefusal? RefuseIfRollingBack(string verb, ActiveDelivery active) =>
        active.Phase == DeliveryPhase.RollingBack
            ? Refuse(OverrideRefusalCodes.WrongDeliveryState, $"cannot {verb}: delivery '{active.DeliveryId}' is already rolling back")
            : null;

    private static OverrideRefusal? ValidatePromote(EnvironmentState state, ActiveDelivery active)
    {
        if (RefuseIfRollingBack("promote", active) is { } refusal)
        {
            return refusal;
        }

        if (active.Phase == DeliveryPhase.Promoting)
        {
            return Refuse(OverrideRefusalCodes.WrongDeliveryState, $"cannot promote: delivery '{active.DeliveryId}' is already promoting");
        }

        var set = active.InfraSetId is null ? null : state.Find(active.InfraSetId);
        if (set is null)
        {
            return Refuse(OverrideRefusalCodes.InfraSetNotReady, $"cannot promote: delivery '{active.DeliveryId}' has no infra-set yet (phase {active.Phase})");
        }

        return set.IsWarm
            ? null
            : Refuse(OverrideRefusalCodes.InfraSetNotReady, $"cannot promote: infra-set '{set.Id}' is {set.Status}; only a healthy infra-set can take all traffic");
    }

    private static OverrideRefusal? ValidateAbort(EnvironmentState state, ActiveDelivery active)
    {
        if (RefuseIfRollingBack("abort", active) is { } refusal)
        {
            return refusal;
        }

        var canaryTakesTraffic = active.InfraSetId is { } canary && state.Weights.WeightOf(canary) > 0;
        if (!canaryTakesTraffic)
        {
            return null;
        }

        if (state.LastKnownGood is not { } lkg)
        {
            return Refuse(OverrideRefusalCodes.NoRollbackTarget, $"cannot abort: delivery '{active.DeliveryId}' is the environment's first and its infra-set takes the traffic; there is no last known good to return to");
        }

        return state.Find(lkg) is { IsWarm: true }
            ? null
            : Refuse(OverrideRefusalCodes.NoRollbackTarget, $"cannot abort: last known good infra-set '{lkg}' is not warm; roll back to a warm infra-set instead: {TrafficWeights.List(state.WarmIds.Where(id => id != active.InfraSetId))}");
    }

    private static OverrideRefusal? ValidateExtendBake(ExtendBakeOverride request, ActiveDelivery active)
    {
        if (request.By <= TimeSpan.Zero)
        {
            return Refuse(OverrideRefusalCodes.InvalidExtension, $"cannot extend bake: the extension must be positive, got {(request.By < TimeSpan.Zero ? "-" + DurationText.Format(-request.By) : DurationText.Format(request.By))}");
        }

        if (request.By > ExtendBakeOverride.MaxExtension)
        {
            return Refuse(OverrideRefusalCodes.InvalidExtension, $"cannot extend bake: {DurationText.Format(request.By)} is more than the {DurationText.Format(ExtendBakeOverride.MaxExtension)} limit; pause the delivery instead");
        }

        return active.Phase == DeliveryPhase.Baking
            ? null
            : Refuse(OverrideRefusalCodes.WrongDeliveryState, $"cannot extend bake: delivery '{active.DeliveryId}' is not baking (phase {active.Phase})");
    }

    private static OverrideRefusal Refuse(string code, string message) => new() { Code = code, Message = message };
}
