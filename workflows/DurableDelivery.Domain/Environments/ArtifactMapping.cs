using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Domain.Environments;

/// <summary>Which component of a version set is the deployable artifact, and how its id maps to the provider's artifact.</summary>
public sealed record ArtifactMapping
{
    /// <summary>Gets the version set component that is deployed.</summary>
    public required string Component { get; init; }

    /// <summary>
    /// Gets the provider artifact id template; placeholders <c>{artifact}</c>, <c>{version}</c>, <c>{component}</c> and
    /// <c>{stack}</c> are replaced from the version set (e.g. <c>ami-{artifact}</c> or a launch template name on AWS).
    /// </summary>
    /// <value>The default is <c>{artifact}</c>: the version set's artifact id as is (the local provider's artifact folder).</value>
    public string Format { get; set; } = "{artifact}";

    internal static readonly string[] Placeholders = ["{artifact}", "{version}", "{component}", "{stack}"];

    /// <summary>Resolves the provider artifact id for a version set.</summary>
    /// <param name="versionSet">A valid version set.</param>
    /// <returns>The provider's artifact id, or <see langword="null"/> when the version set lacks <see cref="Component"/>.</returns>
    public string? Resolve(VersionSet versionSet) => versionSet.Find(Component) is { } c
        ? Format.Replace("{artifact}", c.Artifact, StringComparison.Ordinal)
            .Replace("{version}", c.Version.ToString(), StringComparison.Ordinal)
            .Replace("{component}", c.Name, StringComparison.Ordinal)
            .Replace("{stack}", versionSet.Stack, StringComparison.Ordinal)
        : null;
}
