namespace DurableDelivery.Domain.VersionSets;

/// <summary>One component that differs between two version sets, with its versions and artifacts on each side.</summary>
public sealed record ComponentChange
{
    /// <summary>Gets the component name.</summary>
    public required string Component { get; init; }

    /// <summary>Gets how it differs.</summary>
    public required ComponentChangeKind Kind { get; init; }

    /// <summary>Gets the version in the older set; <see langword="null"/> when added.</summary>
    public SemVer? From { get; init; }

    /// <summary>Gets the version in the newer set; <see langword="null"/> when removed.</summary>
    public SemVer? To { get; init; }

    /// <summary>Gets the artifact in the older set; <see langword="null"/> when added.</summary>
    public string? FromArtifact { get; init; }

    /// <summary>Gets the artifact in the newer set; <see langword="null"/> when removed.</summary>
    public string? ToArtifact { get; init; }

    /// <summary>Returns the change as one line, e.g. <c>~ app 1.0.0 -&gt; 2.0.0 (sample-v1 -&gt; sample-v2)</c>.</summary>
    /// <returns>The change as one line.</returns>
    public override string ToString() => Kind switch
    {
        ComponentChangeKind.Added => $"+ {Component} {To} ({ToArtifact})",
        ComponentChangeKind.Removed => $"- {Component} {From} ({FromArtifact})",
        _ => $"~ {Component} {From} -> {To} ({FromArtifact} -> {ToArtifact})",
    };
}
