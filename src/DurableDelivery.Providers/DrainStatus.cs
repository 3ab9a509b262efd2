namespace DurableDelivery.Providers;

/// <summary>The outcome of a drain.</summary>
public enum DrainStatus
{
    /// <summary>No request to the infra-set is in flight any more.</summary>
    Drained,

    /// <summary>Requests were still in flight when the timeout passed.</summary>
    TimedOut,

    /// <summary>The provider cannot observe requests in flight (e.g. relies on the load balancer's deregistration delay).</summary>
    NotSupported,
}
