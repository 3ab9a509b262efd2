using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>The differences between an older and a newer version set, component by component.</summary>
public sealed record VersionSetDiff
{
    /// <summary>Gets the older version set's content hash.</summary>
    public required string FromHash { get; init; }

    /// <summary>Gets the newer version set's content hash.</summary>
    public required string ToHash { get; init; }

    /// <summary>Gets a value indicating whether the stack name changed.</summary>
    public bool StackChanged { get; init; }

    /// <summary>Gets the components that differ, sorted by name.</summary>
    public required IReadOnlyList<ComponentChange> Changes { get; init; }

    /// <summary>Gets the components only in the newer set.</summary>
    [JsonIgnore]
    public IEnumerable<ComponentChange> Added => Changes.Where(c => c.Kind == ComponentChangeKind.Added);

    /// <summary>Gets the components only in the older set.</summary>
    [JsonIgnore]
    public IEnumerable<ComponentChange> Removed => Changes.Where(c => c.Kind == ComponentChangeKind.Removed);

    /// <summary>Gets the components whose version or artifact changed.</summary>
    [JsonIgnore]
    public IEnumerable<ComponentChange> Changed => Changes.Where(c => c.Kind == ComponentChangeKind.Changed);

    /// <summary>Gets a value indicating whether the two version sets have the same content (the same hash).</summary>
    public bool IsEmpty => FromHash == ToHash;

    /// <summary>Compares two version sets.</summary>
    /// <param name="from">The older version set.</param>
    /// <param name="to">The newer version set.</param>
    /// <returns>The components added, removed and changed (version or artifact), sorted by name.</returns>
    public static VersionSetDiff Between(VersionSet from, VersionSet to)
    {
        var names = from.Components.Select(c => c.Name).Union(to.Components.Select(c => c.Name), StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var changes = new List<ComponentChange>();
        foreach (var name in names)
        {
            var a = from.Find(name);
            var b = to.Find(name);
            var kind = (a, b) switch
            {
                (null, _) => ComponentChangeKind.Added,
                (_, null) => ComponentChangeKind.Removed,
                _ => ComponentChangeKind.Changed,
            };

            // Build metadata is ignored by SemVer equality, so compare the text to catch 1.0.0+a -> 1.0.0+b.
            if (a is not null && b is not null && a.Version.ToString() == b.Version.ToString() && a.Artifact == b.Artifact)
            {
                continue;
            }

            changes.Add(new ComponentChange
            {
                Component = name,
                Kind = kind,
                From = a?.Version,
                To = b?.Version,
                FromArtifact = a?.Artifact,
                ToArtifact = b?.Artifact,
            });
        }

        return new VersionSetDiff { FromHash = from.ContentHash, ToHash = to.ContentHash, StackChanged = from.Stack != to.Stack, Changes = changes };
    }
}
