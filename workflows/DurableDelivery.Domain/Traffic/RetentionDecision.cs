namespace DurableDelivery.Domain.Traffic;

/// <summary>The retention planner's decision for one infra-set, with why.</summary>
public sealed record RetentionDecision
{
    /// <summary>Gets the infra-set id.</summary>
    public required string InfraSetId { get; init; }

    /// <summary>Gets the action.</summary>
    public required RetentionAction Action { get; init; }

    /// <summary>Gets why, e.g. <c>warm (1 of 2)</c> or <c>beyond the 2 warm infra-sets</c>.</summary>
    public required string Reason { get; init; }
}
