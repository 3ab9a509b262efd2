using System.Text.Json;

namespace DurableDelivery.Providers.Local.Tests.Support;

/// <summary>
/// A real provider process whose artifacts folder (a temp folder) holds one artifact, <c>echo</c>: an instance runs
/// <see cref="EchoUpstream"/> from this test assembly. Its listeners give up on an instance silent for 5 s.
/// </summary>
public sealed class EchoProviderFixture : IAsyncLifetime
{
    public const string ArtifactId = "echo";

    /// <summary>Shorter than the default 30 s so a test sees the 504; long enough for a busy machine's pauses.</summary>
    public static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(5);

    private readonly string artifacts = Directory.CreateTempSubdirectory("dd-echo-artifacts-").FullName;

    public EchoProviderFixture()
    {
        var manifest = new
        {
            version = "echo",
            description = "Echoes what it receives; adds hop-by-hop headers to its responses.",
            command = "dotnet",
            arguments = new[] { typeof(EchoUpstream).Assembly.Location, "echo-upstream" },
            healthCheckPath = "/healthz",
        };
        File.WriteAllText(Path.Combine(artifacts, ArtifactId + ".json"), JsonSerializer.Serialize(manifest));
        Provider = new ProviderProcessFixture(artifacts, UpstreamTimeout);
    }

    public ProviderProcessFixture Provider { get; }

    public Task InitializeAsync() => Provider.InitializeAsync();

    public async Task DisposeAsync()
    {
        try
        {
            await Provider.DisposeAsync();
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }
}
