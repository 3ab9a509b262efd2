namespace DurableDelivery.Domain.Traffic;

/// <summary>Reason codes of <see cref="InvariantViolation"/>.</summary>
public static class InvariantCodes
{
    /// <summary>A weight is outside 0 to 999.</summary>
    public const string InvalidWeight = nameof(InvalidWeight);

    /// <summary>The weights name an infra-set that does not exist.</summary>
    public const string UnknownInfraSet = nameof(UnknownInfraSet);

    /// <summary>The weights name an infra-set that is not healthy.</summary>
    public const string UnhealthyInfraSet = nameof(UnhealthyInfraSet);

    /// <summary>The weights sum to zero.</summary>
    public const string NoTraffic = nameof(NoTraffic);

    /// <summary>The last known good infra-set does not exist.</summary>
    public const string RollbackTargetMissing = nameof(RollbackTargetMissing);

    /// <summary>The last known good infra-set is not warm.</summary>
    public const string RollbackTargetNotWarm = nameof(RollbackTargetNotWarm);

    /// <summary>A delivery other than the active one tried to change traffic.</summary>
    public const string ConcurrentDelivery = nameof(ConcurrentDelivery);
}
