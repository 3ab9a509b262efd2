using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>How a delivery ended and the environment state it leaves behind.</summary>
public sealed record DeliveryResult
{
    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the outcome.</summary>
    public required DeliveryOutcome Outcome { get; init; }

    /// <summary>Gets a stable reason code, e.g. <c>Promoted</c>, <c>GateFailed</c>, <c>NeverHealthy</c>, <c>ManualRollback</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>Gets one readable line about the outcome.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the new infra-set, or <see langword="null"/> when none was provisioned.</summary>
    public string? InfraSetId { get; init; }

    /// <summary>Gets the environment state after the delivery (no active delivery).</summary>
    public required EnvironmentState FinalState { get; init; }
}
