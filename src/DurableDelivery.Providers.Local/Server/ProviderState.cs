namespace DurableDelivery.Providers.Local.Server;

/// <summary>The persisted state of the local provider (<c>state.json</c>). Mutated only under <see cref="ProviderCore"/>'s lock.</summary>
internal sealed class ProviderState
{
    public int SchemaVersion { get; set; } = 1;

    public long NextSequence { get; set; } = 1;

    public List<ListenerRecord> Listeners { get; set; } = [];

    public List<InfraSetRecord> InfraSets { get; set; } = [];

    public Dictionary<string, IdempotencyRecord> Keys { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class ListenerRecord
{
    public required string Environment { get; set; }

    public int Port { get; set; }

    public Dictionary<string, int> Weights { get; set; } = new(StringComparer.Ordinal);

    public long Revision { get; set; }

    public DateTimeOffset? AppliedAt { get; set; }
}

internal sealed class InfraSetRecord
{
    public required string Id { get; set; }

    public required InfraSetSpec Spec { get; set; }

    public required ArtifactManifest Artifact { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public bool Deleted { get; set; }

    public List<InstanceRecord> Instances { get; set; } = [];
}

internal sealed class InstanceRecord
{
    public required string Id { get; set; }

    public int Port { get; set; }

    public int? ProcessId { get; set; }

    public int Restarts { get; set; }

    public string? LastExit { get; set; }
}

/// <summary>What a used idempotency key was used for: the operation, the canonical request, and the result's id.</summary>
internal sealed class IdempotencyRecord
{
    public required string Operation { get; set; }

    public required string Request { get; set; }

    public string? ResultId { get; set; }

    public string? ResultJson { get; set; }
}
