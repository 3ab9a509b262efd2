using System.Text.Json.Serialization;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>How a delivery ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryOutcome>))]
public enum DeliveryOutcome
{
    /// <summary>The new infra-set took all traffic and became last known good.</summary>
    Promoted,

    /// <summary>
    /// A health gate failed, or the new infra-set stayed unhealthy during a bake (reason <c>InfraSetUnhealthy</c>), and
    /// traffic went back to the last known good infra-set by itself.
    /// </summary>
    RolledBack,

    /// <summary>
    /// A person aborted the delivery or rolled the environment back while it ran (also during its clean-up after a
    /// promotion, reason <c>ManualRollback</c>); traffic went back to a warm infra-set.
    /// </summary>
    Aborted,

    /// <summary>The delivery could not go on (the infra-set never became healthy, the provider refused a request); traffic is on a warm infra-set.</summary>
    Failed,

    /// <summary>The version set was refused before anything was provisioned.</summary>
    Rejected,
}
