namespace DurableDelivery.Providers.Local;

/// <summary>A running local provider as reported by its control API (<c>GET /v1/status</c>, <c>ddctl local status</c>).</summary>
public sealed record LocalProviderStatus
{
    /// <summary>Gets the provider process id.</summary>
    public int ProcessId { get; init; }

    /// <summary>Gets the control API's base address.</summary>
    public required string ControlEndpoint { get; init; }

    /// <summary>Gets the data dir the provider keeps its state in.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Gets the folder artifact ids resolve in.</summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>Gets when this provider process started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets every listener with its applied weights.</summary>
    public IReadOnlyList<ListenerInfo> Listeners { get; set; } = [];

    /// <summary>Gets every infra-set that is not deleted.</summary>
    public IReadOnlyList<InfraSetInfo> InfraSets { get; set; } = [];
}
