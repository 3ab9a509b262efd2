using System.Text.Json;
using System.Text.RegularExpressions;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>Resolves an artifact id to its manifest file in the artifacts folder.</summary>
internal sealed partial class ArtifactResolver(string artifactsDirectory)
{
    public string ArtifactsDirectory { get; } = Path.GetFullPath(artifactsDirectory);

    /// <summary>Finds <c>infra/local/artifacts</c> above the current folder or next to the provider, for the default artifacts dir.</summary>
    public static string FindDefaultArtifactsDirectory()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "infra", "local", "artifacts");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return Path.Combine(Environment.CurrentDirectory, "infra", "local", "artifacts");
    }

    public ArtifactManifest Resolve(string artifactId)
    {
        if (!ArtifactIdPattern().IsMatch(artifactId))
        {
            throw InfraProviderException.Create(
                InfraProviderErrorReason.InvalidSpec,
                $"Artifact id '{artifactId}' is invalid. Use letters, digits, '.', '_' and '-' only (e.g. 'sample-v2').");
        }

        var path = Path.Combine(ArtifactsDirectory, artifactId + ".json");
        if (!File.Exists(path))
        {
            throw InfraProviderException.Create(
                InfraProviderErrorReason.ArtifactNotFound,
                $"Artifact '{artifactId}' was not found: there is no {artifactId}.json in {ArtifactsDirectory}. Add the manifest or use an existing artifact id.");
        }

        ArtifactManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllText(path), ProviderJson.Info<ArtifactManifest>());
        }
        catch (JsonException ex)
        {
            throw InfraProviderException.Create(
                InfraProviderErrorReason.InvalidSpec,
                $"Artifact manifest {path} is not valid JSON ({ex.Message}). Fix the file.");
        }

        if (manifest is null || string.IsNullOrWhiteSpace(manifest.Command) || string.IsNullOrWhiteSpace(manifest.Version))
        {
            throw InfraProviderException.Create(
                InfraProviderErrorReason.InvalidSpec,
                $"Artifact manifest {path} lacks 'version' or 'command'. Add both.");
        }

        return manifest with { Id = artifactId, ArtifactDirectory = Path.GetDirectoryName(path)! };
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ArtifactIdPattern();
}
