using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.Workflows.Environments;

/// <summary>
/// The input of an environment workflow: its declaration and, after a continue-as-new, everything it carries over
/// (state, queue, history, audit records), so the entity lives on with a short history.
/// </summary>
public sealed record EnvironmentInput
{
    /// <summary>Gets the declaration (updated by each delivery request, which carries the file as read then).</summary>
    public required EnvironmentDeclaration Declaration { get; init; }

    /// <summary>Gets the state carried over; <see langword="null"/> for a new environment.</summary>
    public EnvironmentState? State { get; init; }

    /// <summary>Gets the number the next delivery gets.</summary>
    /// <value>The default is 1.</value>
    public int NextDeliveryNumber { get; set; } = 1;

    /// <summary>Gets the waiting delivery requests carried over, oldest first.</summary>
    public IReadOnlyList<QueuedDelivery> Queue { get; set; } = [];

    /// <summary>Gets the recent deliveries carried over, oldest first.</summary>
    public IReadOnlyList<DeliverySummary> Deliveries { get; set; } = [];

    /// <summary>Gets the version sets delivered and promoted so far.</summary>
    public VersionSetHistory? History { get; init; }

    /// <summary>Gets the recent overrides carried over, oldest first.</summary>
    public IReadOnlyList<OverrideRecord> Overrides { get; set; } = [];

    /// <summary>Gets the recent timeline carried over, oldest first.</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; set; } = [];
}

/// <summary>A delivery request waiting for its turn.</summary>
/// <param name="DeliveryId">The id it will run under.</param>
/// <param name="Request">The request.</param>
public sealed record QueuedDelivery(string DeliveryId, DeliveryRequest Request);
