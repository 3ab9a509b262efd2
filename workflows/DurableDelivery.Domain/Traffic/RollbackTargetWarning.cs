namespace DurableDelivery.Domain.Traffic;

/// <summary>
/// The infra-set a rollback without a named target is meant to go to is not warm: shown in the environment's status
/// (<c>rollbackTargetWarning</c>) so people learn it before they need a rollback, not when one is refused.
/// </summary>
public sealed record RollbackTargetWarning
{
    /// <summary>Gets the reason code (<see cref="RollbackTargetWarningCodes"/>); code decides on this, never on the message.</summary>
    public required string Code { get; init; }

    /// <summary>Gets the infra-set that should be the rollback target and is not warm.</summary>
    public required string InfraSetId { get; init; }

    /// <summary>Gets since when a health check has found it unhealthy, when one has.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the warm infra-set a rollback without a named target goes to instead; <see langword="null"/> when none.</summary>
    public string? Fallback { get; init; }

    /// <summary>Gets the message for people, e.g. <c>rollback target 'demo-v1-0001' is Unhealthy since ... (...); a rollback without --to goes to 'demo-v0-0000' instead</c>.</summary>
    public required string Message { get; init; }
}
