namespace DurableDelivery.Providers;

/// <summary>What the provider knows about one infra-set now: its spec, status and instances.</summary>
public sealed record InfraSetInfo
{
    /// <summary>Gets the provider-assigned id, stable and human-readable, e.g. <c>staging-sample-v2-0003</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the spec the infra-set was created from; it never changes.</summary>
    public required InfraSetSpec Spec { get; init; }

    /// <summary>Gets the version the artifact declares (e.g. <c>v2</c>).</summary>
    public required string Version { get; init; }

    /// <summary>Gets the current lifecycle state.</summary>
    public InfraSetStatus Status { get; init; }

    /// <summary>Gets a one-line explanation of <see cref="Status"/> for people, e.g. <c>1 of 2 instances healthy</c>.</summary>
    public string StatusMessage { get; set; } = string.Empty;

    /// <summary>Gets when the infra-set was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets the instances, in a stable order.</summary>
    public IReadOnlyList<InstanceInfo> Instances { get; set; } = [];

    /// <summary>Gets the total number of instance restarts since creation.</summary>
    public int Restarts => Instances.Sum(instance => instance.Restarts);
}
