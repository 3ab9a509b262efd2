using DurableDelivery.Domain.Overrides;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>An environment override (rollback or set weights) the environment forwards to its active delivery, the one mutator.</summary>
/// <param name="OverrideId">An id the delivery reports the outcome under.</param>
/// <param name="Request">The override.</param>
public sealed record ForwardedOverride(string OverrideId, Override Request);
