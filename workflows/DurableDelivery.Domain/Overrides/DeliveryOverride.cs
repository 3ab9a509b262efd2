namespace DurableDelivery.Domain.Overrides;

/// <summary>An override aimed at the active delivery of an environment.</summary>
public abstract record DeliveryOverride : Override
{
    /// <summary>
    /// Gets the delivery it is meant for, e.g. <c>delivery/demo/3</c>; <see langword="null"/> for whichever is active.
    /// Naming it protects against acting on a delivery that replaced the one the person was looking at.
    /// </summary>
    public string? DeliveryId { get; init; }
}
