using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.Workflows.Environments;

/// <summary>An environment at a glance (the environment's <c>status</c> query): infra-sets, weights, warm set, last known good, deliveries and overrides.</summary>
public sealed record EnvironmentStatus
{
    /// <summary>Gets the environment name.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the provider kind (local, aws).</summary>
    public required string Provider { get; init; }

    /// <summary>Gets the listener port (local provider).</summary>
    public int ListenerPort { get; init; }

    /// <summary>Gets the infra-sets, deleted ones included, oldest first.</summary>
    public required IReadOnlyList<InfraSet> InfraSets { get; init; }

    /// <summary>Gets the listener weights.</summary>
    public required TrafficWeights Weights { get; init; }

    /// <summary>Gets the last known good infra-set.</summary>
    public string? LastKnownGood { get; init; }

    /// <summary>Gets the infra-set a rollback without <c>--to</c> would go to now; <see langword="null"/> when none is warm.</summary>
    public string? RollbackTarget { get; init; }

    /// <summary>Gets the warm infra-sets (healthy, ready to take traffic).</summary>
    public required IReadOnlyList<string> Warm { get; init; }

    /// <summary>Gets the active delivery, if any.</summary>
    public ActiveDelivery? ActiveDelivery { get; init; }

    /// <summary>Gets the waiting delivery ids, in order.</summary>
    public IReadOnlyList<string> Queue { get; set; } = [];

    /// <summary>Gets the recent deliveries, oldest first.</summary>
    public IReadOnlyList<DeliverySummary> Deliveries { get; set; } = [];

    /// <summary>Gets the version sets promoted so far, oldest first.</summary>
    public IReadOnlyList<VersionSetHistoryEntry> VersionSets { get; set; } = [];

    /// <summary>Gets the recent overrides, oldest first.</summary>
    public IReadOnlyList<OverrideRecord> Overrides { get; set; } = [];

    /// <summary>Gets the recent environment timeline, oldest first.</summary>
    public IReadOnlyList<TimelineEntry> Timeline { get; set; } = [];

    /// <summary>
    /// Gets a loud warning when the infra-set a rollback without <c>--to</c> is meant to go to is not warm (the
    /// environment's health check found it unhealthy), with the infra-set a rollback would use instead, if any;
    /// <see langword="null"/> when the rollback target is warm. <c>ddctl env status</c> should show it prominently.
    /// </summary>
    public RollbackTargetWarning? RollbackTargetWarning { get; init; }

    /// <summary>Gets how often the environment checks the health of the infra-sets it keeps between deliveries (the declaration's <c>healthCheckInterval</c>).</summary>
    public TimeSpan HealthCheckInterval { get; init; }

    /// <summary>
    /// Gets when the next health check of the kept infra-sets is due; <see langword="null"/> while a delivery runs (it
    /// owns the state then) and for runs started before the check existed (patch <c>env-watches-kept-infra-sets</c>).
    /// </summary>
    public DateTimeOffset? NextHealthCheckAt { get; init; }

    /// <summary>Gets the invariant violations of the current state (always empty unless something is badly wrong).</summary>
    public IReadOnlyList<string> Violations { get; set; } = [];
}
