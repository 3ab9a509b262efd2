namespace DurableDelivery.Domain.Traffic;

/// <summary>Reason codes of <see cref="RollbackTargetWarning"/>.</summary>
public static class RollbackTargetWarningCodes
{
    /// <summary>The intended rollback target is not warm, but another warm infra-set can take the traffic.</summary>
    public const string RollbackTargetUnhealthy = nameof(RollbackTargetUnhealthy);

    /// <summary>The intended rollback target is not warm and no other warm infra-set can take the traffic: a rollback would be refused.</summary>
    public const string NoWarmRollbackTarget = nameof(NoWarmRollbackTarget);
}
