namespace DurableDelivery.Domain.VersionSets;

/// <summary>One version set delivered to an environment, in the order deliveries were requested.</summary>
public sealed record VersionSetHistoryEntry
{
    /// <summary>Gets the 1-based position in the environment's history.</summary>
    public required int Sequence { get; init; }

    /// <summary>Gets the version set.</summary>
    public required VersionSet VersionSet { get; init; }

    /// <summary>Gets the version set's content hash when it was recorded.</summary>
    public required string ContentHash { get; init; }

    /// <summary>Gets the id of the delivery that took it to the environment, e.g. <c>delivery/demo/3</c>.</summary>
    public string? DeliveryId { get; init; }

    /// <summary>Gets when it was recorded; supplied by the caller (a workflow's <c>Workflow.UtcNow</c>), never read here.</summary>
    public DateTimeOffset RecordedAt { get; init; }
}
