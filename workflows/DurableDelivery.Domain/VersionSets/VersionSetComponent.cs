using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>One component of a stack pinned to a version and the artifact that carries that version.</summary>
public sealed record VersionSetComponent
{
    /// <summary>Gets the component name, unique within the version set (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the pinned version.</summary>
    public required SemVer Version { get; init; }

    /// <summary>Gets the artifact id that carries this version, e.g. <c>sample-v2</c>.</summary>
    public required string Artifact { get; init; }

    /// <summary>Gets the line the component was read from, when it was parsed from a file.</summary>
    [JsonIgnore]
    public int? Line { get; init; }
}
