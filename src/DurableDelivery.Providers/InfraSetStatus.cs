namespace DurableDelivery.Providers;

/// <summary>The lifecycle state of an infra-set as the provider sees it now.</summary>
public enum InfraSetStatus
{
    /// <summary>Instances are starting and have not all passed their health check yet.</summary>
    Starting,

    /// <summary>Every instance passes its health check: the infra-set may take traffic.</summary>
    Healthy,

    /// <summary>Some, not all, instances pass their health check (for example one is being restarted).</summary>
    Degraded,

    /// <summary>No instance passes its health check although the infra-set has started before.</summary>
    Unhealthy,

    /// <summary>The infra-set was deleted: its instances are stopped and it can never take traffic again.</summary>
    Deleted,
}
