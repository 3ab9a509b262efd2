using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>
/// The ordered version sets delivered to one environment. Immutable: <see cref="Append"/> returns a new history.
/// </summary>
public sealed record VersionSetHistory
{
    /// <summary>Gets the environment name.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the entries, oldest first.</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<VersionSetHistoryEntry> Entries { get; set; } = [];

    /// <summary>Gets the newest entry, or <see langword="null"/> when nothing was delivered yet.</summary>
    [JsonIgnore]
    public VersionSetHistoryEntry? Latest => Entries.Count == 0 ? null : Entries[^1];

    /// <summary>Compares two version sets (same as <see cref="VersionSetDiff.Between"/>).</summary>
    /// <param name="a">The older version set.</param>
    /// <param name="b">The newer version set.</param>
    /// <returns>The components added, removed and changed, with from -&gt; to versions.</returns>
    public static VersionSetDiff Diff(VersionSet a, VersionSet b) => VersionSetDiff.Between(a, b);

    /// <summary>Returns a new history with the version set appended.</summary>
    /// <param name="versionSet">The version set.</param>
    /// <param name="deliveryId">The delivery that takes it to the environment.</param>
    /// <param name="recordedAt">When; supplied by the caller.</param>
    /// <returns>The new history; this one is unchanged.</returns>
    public VersionSetHistory Append(VersionSet versionSet, string? deliveryId, DateTimeOffset recordedAt) => this with
    {
        Entries = [.. Entries, new VersionSetHistoryEntry
        {
            Sequence = Entries.Count + 1,
            VersionSet = versionSet,
            ContentHash = versionSet.ContentHash,
            DeliveryId = deliveryId,
            RecordedAt = recordedAt,
        }],
    };

    /// <summary>Finds the entries whose version set has the given content hash (the same version set delivered before).</summary>
    /// <param name="contentHash">A <see cref="VersionSet.ContentHash"/>.</param>
    /// <returns>The matching entries, oldest first.</returns>
    public IReadOnlyList<VersionSetHistoryEntry> FindByHash(string contentHash) =>
        Entries.Where(e => e.ContentHash == contentHash).ToArray();

    /// <summary>Compares two entries of this history by sequence number.</summary>
    /// <param name="fromSequence">The older entry's <see cref="VersionSetHistoryEntry.Sequence"/>.</param>
    /// <param name="toSequence">The newer entry's <see cref="VersionSetHistoryEntry.Sequence"/>.</param>
    /// <returns>The differences.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A sequence number is not in the history.</exception>
    public VersionSetDiff Diff(int fromSequence, int toSequence) =>
        Diff(At(fromSequence).VersionSet, At(toSequence).VersionSet);

    private VersionSetHistoryEntry At(int sequence) =>
        sequence >= 1 && sequence <= Entries.Count
            ? Entries[sequence - 1]
            : throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"Environment '{Environment}' has entries 1 to {Entries.Count}.");
}
