namespace DurableDelivery.Domain.Traffic;

/// <summary>The one delivery currently allowed to mutate an environment.</summary>
public sealed record ActiveDelivery
{
    /// <summary>Gets the delivery id, e.g. <c>delivery/demo/3</c>.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the new infra-set the delivery rolls out; <see langword="null"/> before it is provisioned.</summary>
    public string? InfraSetId { get; init; }

    /// <summary>Gets the phase.</summary>
    /// <value>The default is <see cref="DeliveryPhase.Validating"/>.</value>
    public DeliveryPhase Phase { get; set; } = DeliveryPhase.Validating;

    /// <summary>Gets a value indicating whether a person paused the delivery.</summary>
    public bool Paused { get; init; }

    /// <summary>Gets the 0-based index of the current rollout step; -1 before the first.</summary>
    /// <value>The default is -1.</value>
    public int StepIndex { get; set; } = -1;
}
