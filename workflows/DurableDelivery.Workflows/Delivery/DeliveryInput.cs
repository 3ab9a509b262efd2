using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>What an environment workflow hands a delivery when its turn comes.</summary>
public sealed record DeliveryInput
{
    /// <summary>Gets the delivery id, <c>delivery/&lt;env&gt;/&lt;n&gt;</c>; doubles as the idempotency-key prefix of every provider call.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the environment declaration the delivery follows (rollout plan, gates, retention).</summary>
    public required EnvironmentDeclaration Environment { get; init; }

    /// <summary>Gets the version set to deliver.</summary>
    public required VersionSet VersionSet { get; init; }

    /// <summary>Gets the environment's state when the delivery started, with this delivery as the active one.</summary>
    public required EnvironmentState State { get; init; }

    /// <summary>Gets who asked for the delivery.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>Gets why.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>Gets how long the new infra-set may take to become healthy before the delivery fails.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan HealthyTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets a value indicating whether the delivery reports its progress to <c>env/&lt;name&gt;</c>.</summary>
    /// <value>The default is <see langword="true"/>; tests that run a delivery alone turn it off.</value>
    public bool ReportToEnvironment { get; set; } = true;
}
