using System.Text.Json;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local.Tests.Support;

/// <summary>
/// A real local provider process on a temporary data dir, with the repository's artifacts. Disposing stops it and
/// kills every instance it recorded or started (found by its provider-root marker), whatever state the test left it in.
/// </summary>
public sealed class ProviderProcessFixture : IAsyncLifetime
{
    public static readonly TimeSpan HealthyWithin = TimeSpan.FromSeconds(20);

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "dd-local-tests", Guid.NewGuid().ToString("N"));

    public static string ArtifactsDirectory { get; } = FindArtifacts();

    private readonly string artifactsDirectory;
    private readonly TimeSpan upstreamTimeout;

    public ProviderProcessFixture()
        : this(ArtifactsDirectory)
    {
    }

    /// <summary>A provider that resolves artifacts in <paramref name="artifactsDirectory"/> instead of the repository's.</summary>
    internal ProviderProcessFixture(string artifactsDirectory, TimeSpan? upstreamTimeout = null)
    {
        this.artifactsDirectory = artifactsDirectory;
        this.upstreamTimeout = upstreamTimeout ?? new LocalProviderOptions().UpstreamTimeout;
        Client = new LocalInfraProvider(DataDirectory);
    }

    public LocalInfraProvider Client { get; }

    public LocalProviderPaths Paths => new(DataDirectory);

    public LocalProviderOptions Options => new()
    {
        DataDirectory = DataDirectory,
        ArtifactsDirectory = artifactsDirectory,
        HealthCheckInterval = TimeSpan.FromMilliseconds(100),
        UpstreamTimeout = upstreamTimeout,
    };

    public async Task InitializeAsync() => await StartAsync();

    public Task<LocalProviderStatus> StartAsync() => LocalProviderProcess.StartAsync(Options);

    /// <summary>Starts the provider with extra variables in its environment (e.g. a crash point).</summary>
    public Task<LocalProviderStatus> StartAsync(IReadOnlyDictionary<string, string> environment) =>
        LocalProviderProcess.StartWithEnvironmentAsync(Options, environment);

    /// <summary>The live processes carrying this provider's root and the instance id, found by scanning /proc.</summary>
    public IReadOnlyList<int> InstanceProcesses(string instanceId) => MarkedProcesses()
        .Where(process => process.Environment.GetValueOrDefault(InstanceRuntime.InstanceIdVariable) == instanceId)
        .Select(process => process.ProcessId)
        .ToList();

    public int ProviderPid => LocalProviderProcess.FindProcessId(DataDirectory) ?? throw new InvalidOperationException("provider not running");

    /// <summary>SIGKILLs the provider process (its instances keep running) and waits until it is gone.</summary>
    public async Task KillProviderAsync()
    {
        var pid = ProviderPid;
        using (var process = System.Diagnostics.Process.GetProcessById(pid))
        {
            process.Kill();
        }

        await Eventually.EventuallyAsync(() => !DetachedProcess.IsAlive(pid), TimeSpan.FromSeconds(10), $"provider pid {pid} exits after SIGKILL");
    }

    /// <summary>Creates a healthy infra-set of an artifact.</summary>
    public async Task<InfraSetInfo> CreateHealthyAsync(string environment, string artifactId, string key)
    {
        var created = await Client.CreateInfraSetAsync(new InfraSetSpec { Environment = environment, ArtifactId = artifactId }, key);
        var info = await Client.WaitHealthyAsync(created.Id, HealthyWithin);
        info.Status.ShouldBe(InfraSetStatus.Healthy, info.StatusMessage);
        return info;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await LocalProviderProcess.StopAsync(DataDirectory, TimeSpan.FromSeconds(10));
        }
        finally
        {
            KillRecordedInstances();
            foreach (var process in MarkedProcesses())
            {
                DetachedProcess.Kill(process.ProcessId);
            }

            Client.Dispose();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A log still being written; the temp folder is cleaned by the OS.
            }
        }
    }

    private IReadOnlyList<ScannedProcess> MarkedProcesses() =>
        DetachedProcess.FindByEnvironment(InstanceRuntime.ProviderRootVariable, Paths.Root);

    private void KillRecordedInstances()
    {
        var stateFile = new LocalProviderPaths(DataDirectory).StateFile;
        if (!File.Exists(stateFile))
        {
            return;
        }

        using var state = JsonDocument.Parse(File.ReadAllText(stateFile));
        foreach (var set in state.RootElement.GetProperty("infraSets").EnumerateArray())
        {
            foreach (var instance in set.GetProperty("instances").EnumerateArray())
            {
                if (instance.GetProperty("processId").ValueKind == JsonValueKind.Number)
                {
                    var pid = instance.GetProperty("processId").GetInt32();
                    if (DetachedProcess.Inspect(pid)?.Environment.GetValueOrDefault(InstanceRuntime.InstanceIdVariable) == instance.GetProperty("id").GetString())
                    {
                        DetachedProcess.Kill(pid);
                    }
                }
            }
        }
    }

    private static string FindArtifacts()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "infra", "local", "artifacts");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("infra/local/artifacts not found above " + AppContext.BaseDirectory);
    }
}
