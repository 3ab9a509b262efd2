using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// The processes the demo starts: the local provider (its own long-lived process, as in production) and, through it,
/// every instance of every infra-set. It remembers every pid it saw so that it can prove at the end that none is left.
/// </summary>
internal sealed class DemoProcesses(string dataDir)
{
    private readonly ConcurrentDictionary<int, string> instances = new();

    public int? ProviderPid { get; private set; }

    /// <summary>Gets every instance pid seen so far, with the instance id it belongs to.</summary>
    public IReadOnlyDictionary<int, string> Instances => instances;

    public async Task<LocalProviderStatus> StartProviderAsync(string artifactsDir, CancellationToken ct)
    {
        var status = await LocalProviderProcess.StartAsync(new LocalProviderOptions { DataDirectory = dataDir, ArtifactsDirectory = artifactsDir }, TimeSpan.FromSeconds(60), ct);
        ProviderPid = status.ProcessId;
        return status;
    }

    /// <summary>Remembers the pid of every instance the provider reports, until cancelled (instances of deleted infra-sets vanish from its status).</summary>
    public async Task WatchInstancesAsync(LocalInfraProvider provider, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await RecordAsync(provider, ct);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task RecordAsync(LocalInfraProvider provider, CancellationToken ct = default)
    {
        try
        {
            foreach (var instance in (await provider.GetStatusAsync(ct)).InfraSets.SelectMany(s => s.Instances))
            {
                if (instance.ProcessId is { } pid)
                {
                    instances[pid] = instance.Id;
                }
            }
        }
        catch (Exception e) when (e is InfraProviderException or OperationCanceledException or HttpRequestException)
        {
            // The provider is starting or stopping; the next look catches up.
        }
    }

    /// <summary>Stops the provider (which stops its instances), then kills whatever of it still runs.</summary>
    /// <returns>One line saying what was stopped, naming every pid; and whether none is left.</returns>
    public async Task<(string Line, bool AllGone)> StopAllAsync()
    {
        if (ProviderPid is null)
        {
            return ("the local provider had not started", true);
        }

        using (var provider = new LocalInfraProvider(dataDir, TimeSpan.FromSeconds(5)))
        {
            await RecordAsync(provider);
        }

        try
        {
            await LocalProviderProcess.StopAsync(dataDir, TimeSpan.FromSeconds(10));
        }
        catch (InfraProviderException)
        {
            // It does not answer: it is killed below.
        }

        if (ProviderPid is { } pid && IsOurs(pid, Marker.CommandLine, dataDir))
        {
            Kill(pid);
        }

        foreach (var (instancePid, id) in instances)
        {
            if (IsOurs(instancePid, Marker.Environment, $"DD_INSTANCE_ID={id}\0"))
            {
                Kill(instancePid);
            }
        }

        var left = await LeftRunningAsync(TimeSpan.FromSeconds(5));
        var pids = string.Join(' ', instances.Keys.Order());
        return ($"local provider pid {ProviderPid} and {instances.Count} instance processes (pids {pids}): "
            + (left.Count == 0 ? "none left running" : $"STILL RUNNING: {string.Join(' ', left)}"), left.Count == 0);
    }

    /// <summary>Waits until every process the demo started is gone, at most <paramref name="timeout"/>.</summary>
    /// <returns>The pids that still run.</returns>
    private async Task<List<int>> LeftRunningAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var left = instances.Where(i => IsOurs(i.Key, Marker.Environment, $"DD_INSTANCE_ID={i.Value}\0")).Select(i => i.Key).ToList();
            if (ProviderPid is { } pid && IsOurs(pid, Marker.CommandLine, dataDir))
            {
                left.Add(pid);
            }

            if (left.Count == 0 || watch.Elapsed > timeout)
            {
                return left;
            }

            await Task.Delay(50);
        }
    }

    private enum Marker
    {
        CommandLine,
        Environment,
    }

    /// <summary>Whether the pid runs (not a zombie) and is the process we started, not a recycled pid.</summary>
    private static bool IsOurs(int pid, Marker where, string marker)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            if (stat[(stat.LastIndexOf(')') + 2)..].TrimStart() is not { Length: > 0 } state || state[0] is 'Z' or 'X')
            {
                return false;
            }

            var bytes = File.ReadAllBytes(where == Marker.CommandLine ? $"/proc/{pid}/cmdline" : $"/proc/{pid}/environ");
            return Encoding.UTF8.GetString(bytes).Contains(marker, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }
}
