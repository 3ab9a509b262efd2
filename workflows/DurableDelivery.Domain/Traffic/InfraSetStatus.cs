using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>The life cycle of an infra-set as the environment sees it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InfraSetStatus>))]
public enum InfraSetStatus
{
    /// <summary>Being created; not yet healthy.</summary>
    Provisioning,

    /// <summary>Running and passing health checks: it may take traffic, and at 0% it is warm.</summary>
    Healthy,

    /// <summary>Running but failing health checks: it must not take traffic.</summary>
    Unhealthy,

    /// <summary>Taken out of the listener; in-flight requests finishing.</summary>
    Draining,

    /// <summary>Drained: it may be deleted.</summary>
    Drained,

    /// <summary>Deleted.</summary>
    Deleted,
}
