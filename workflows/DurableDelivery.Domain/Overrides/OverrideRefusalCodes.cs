namespace DurableDelivery.Domain.Overrides;

/// <summary>Reason codes of <see cref="OverrideRefusal"/>.</summary>
public static class OverrideRefusalCodes
{
    /// <summary>The override has no reason or no requester.</summary>
    public const string MissingAuditInfo = nameof(MissingAuditInfo);

    /// <summary>No delivery is active, or the named one is not the active one.</summary>
    public const string DeliveryNotActive = nameof(DeliveryNotActive);

    /// <summary>The delivery is not in a state where the override applies (already paused, not paused, not baking...).</summary>
    public const string WrongDeliveryState = nameof(WrongDeliveryState);

    /// <summary>The new infra-set cannot take all traffic.</summary>
    public const string InfraSetNotReady = nameof(InfraSetNotReady);

    /// <summary>There is no warm infra-set to return traffic to.</summary>
    public const string NoRollbackTarget = nameof(NoRollbackTarget);

    /// <summary>The named rollback target does not exist or is not warm.</summary>
    public const string RollbackTargetInvalid = nameof(RollbackTargetInvalid);

    /// <summary>The weights would break an environment invariant.</summary>
    public const string InvalidWeights = nameof(InvalidWeights);

    /// <summary>The bake extension is not positive or too long.</summary>
    public const string InvalidExtension = nameof(InvalidExtension);
}
