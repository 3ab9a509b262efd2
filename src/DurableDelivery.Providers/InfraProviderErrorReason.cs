namespace DurableDelivery.Providers;

/// <summary>Why a provider call failed; callers branch on this, never on messages.</summary>
public enum InfraProviderErrorReason
{
    /// <summary>The artifact named by the spec does not exist. Not retryable.</summary>
    ArtifactNotFound,

    /// <summary>The spec itself is invalid (empty names, instance count out of range...). Not retryable.</summary>
    InvalidSpec,

    /// <summary>The idempotency key was already used for a different request. Not retryable.</summary>
    IdempotencyKeyConflict,

    /// <summary>No infra-set of that id exists (or it belongs to another environment). Not retryable.</summary>
    UnknownInfraSet,

    /// <summary>The environment has no listener; call <see cref="IInfraProvider.EnsureListenerAsync"/> first. Not retryable.</summary>
    UnknownListener,

    /// <summary>The weights are out of range or do not sum to a positive total. Not retryable.</summary>
    InvalidWeights,

    /// <summary>A positive weight names an infra-set that is not healthy. Retryable: health may come.</summary>
    InfraSetNotHealthy,

    /// <summary>The infra-set still has a positive weight on a listener, so it cannot be deleted or drained. Not retryable.</summary>
    InfraSetTakesTraffic,

    /// <summary>The requested port is already taken by another listener or process. Not retryable.</summary>
    PortInUse,

    /// <summary>The environment already has a listener with a different spec. Not retryable.</summary>
    ListenerConflict,

    /// <summary>The provider cannot be reached or is not running. Retryable.</summary>
    ProviderUnavailable,

    /// <summary>The provider failed unexpectedly. Retryable.</summary>
    Internal,
}
