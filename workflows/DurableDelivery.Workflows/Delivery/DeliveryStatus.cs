using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// Everything a person watching a delivery needs: phase, steps with their weights and gate numbers, the timeline and
/// the overrides. Returned by the delivery's <c>status</c> query (also on a finished delivery).
/// </summary>
public sealed record DeliveryStatus
{
    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the environment name.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the version set being delivered.</summary>
    public required VersionSet VersionSet { get; init; }

    /// <summary>Gets who asked for the delivery.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>Gets the phase; the last phase reached once the delivery ended.</summary>
    public required DeliveryPhase Phase { get; init; }

    /// <summary>Gets a value indicating whether the delivery is paused, and why in <see cref="PausedReason"/>.</summary>
    public bool Paused { get; init; }

    /// <summary>Gets why the delivery is paused (a person, or an inconclusive gate).</summary>
    public string? PausedReason { get; init; }

    /// <summary>Gets the new infra-set, once provisioned.</summary>
    public string? InfraSetId { get; init; }

    /// <summary>Gets the stable infra-set the new one is compared with (the last known good at the start).</summary>
    public string? StableInfraSetId { get; init; }

    /// <summary>Gets the 0-based index of the current step; -1 before the first.</summary>
    public int StepIndex { get; set; } = -1;

    /// <summary>Gets the planned and executed steps.</summary>
    public IReadOnlyList<StepRecord> Steps { get; set; } = [];

    /// <summary>Gets the listener weights as the delivery last set or read them.</summary>
    public TrafficWeights Weights { get; set; } = TrafficWeights.None;

    /// <summary>Gets when the current bake ends, while baking and not paused.</summary>
    public DateTimeOffset? BakeEndsAt { get; init; }

    /// <summary>Gets the outcome, once the delivery ended.</summary>
    public DeliveryOutcome? Outcome { get; init; }

    /// <summary>Gets the outcome's reason code, once the delivery ended.</summary>
    public string? OutcomeReason { get; init; }

    /// <summary>Gets the outcome's message, once the delivery ended.</summary>
    public string? OutcomeMessage { get; init; }

    /// <summary>Gets when the delivery started (workflow time).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets what happened, oldest first.</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; set; } = [];

    /// <summary>Gets every override the delivery handled, oldest first.</summary>
    public IReadOnlyList<OverrideRecord> Overrides { get; set; } = [];
}
