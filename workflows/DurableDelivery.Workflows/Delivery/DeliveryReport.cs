using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// What a running delivery tells its environment workflow after every change: the environment state as the delivery
/// (its only mutator) now holds it, the outcome of forwarded overrides, and the latest timeline line.
/// </summary>
public sealed record DeliveryReport
{
    /// <summary>Gets the reporting delivery.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the environment state after the change.</summary>
    public required EnvironmentState State { get; init; }

    /// <summary>Gets the outcomes of overrides the environment forwarded, by override id.</summary>
    public IReadOnlyList<ForwardedOverrideOutcome> ForwardedOutcomes { get; set; } = [];
}

/// <summary>The outcome of an override the environment forwarded to its active delivery.</summary>
/// <param name="OverrideId">The id the environment gave the override.</param>
/// <param name="Applied">Whether the delivery applied it.</param>
/// <param name="Message">What it did, or why it was refused.</param>
/// <param name="Weights">The weights after it.</param>
public sealed record ForwardedOverrideOutcome(string OverrideId, bool Applied, string Message, TrafficWeights Weights)
{
    /// <summary>Gets the weights just before the delivery applied the override; <see langword="null"/> when refused or from older deliveries.</summary>
    public TrafficWeights? WeightsBefore { get; init; }
}
