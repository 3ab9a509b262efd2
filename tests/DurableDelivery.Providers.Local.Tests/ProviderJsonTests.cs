using System.Text.Json;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local.Tests;

/// <summary>The provider's compile-time JSON metadata keeps the defaults of properties a file or request omits.</summary>
public sealed class ProviderJsonTests
{
    [Fact]
    public void No_property_loses_its_default_when_the_json_omits_it()
    {
        JsonContextDefaults.InitOnlyPropertiesWithDefaults(ProviderJsonContext.Default).ShouldBeEmpty();
    }

    [Fact]
    public void An_artifact_manifest_without_environment_or_arguments_reads_as_empty_ones()
    {
        var manifest = JsonSerializer.Deserialize("""{"version":"v","command":"dotnet"}""", ProviderJson.Info<ArtifactManifest>())!;
        manifest.Environment.ShouldBeEmpty();
        manifest.Arguments.ShouldBeEmpty();
        manifest.HealthCheckPath.ShouldBe("/healthz");
    }
}
