using System.Diagnostics;
using System.Globalization;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>Start-up: finding this provider's instance processes whatever the state recorded, and killing strays.</summary>
internal sealed partial class ProviderCore
{
    /// <summary>
    /// Scans /proc once for the processes this provider started (<see cref="InstanceRuntime.ProviderRootVariable"/> is its
    /// root), kills those whose instance is not an instance of a live infra-set in the state (started for an infra-set
    /// whose record, or whose deletion, was saved but not yet acted on when the provider died), and returns the rest by
    /// instance id, for the supervisors to adopt. The caller holds the gate and has loaded the state.
    /// </summary>
    private async Task<ILookup<string, ScannedProcess>> FindInstanceProcessesAsync()
    {
        var watch = Stopwatch.StartNew();
        var marked = DetachedProcess.FindByEnvironment(InstanceRuntime.ProviderRootVariable, Paths.Root)
            .Where(process => process.Environment.ContainsKey(InstanceRuntime.InstanceIdVariable))
            .ToList();
        var scanned = watch.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
        var live = state.InfraSets.Where(set => !set.Deleted).SelectMany(set => set.Instances).Select(instance => instance.Id).ToHashSet(StringComparer.Ordinal);
        var strays = marked.Where(process => !live.Contains(process.Environment[InstanceRuntime.InstanceIdVariable])).ToList();
        Log($"start-up scan: {marked.Count} process(es) of this provider in {scanned} ms, {strays.Count} of them for no live instance");
        foreach (var stray in strays)
        {
            var id = stray.Environment[InstanceRuntime.InstanceIdVariable];
            var set = state.InfraSets.Find(candidate => candidate.Instances.Exists(instance => instance.Id == id));
            var why = set is null ? "an instance the state does not know" : $"an instance of deleted infra-set {set.Id}";
            DetachedProcess.Kill(stray.ProcessId);
            Log($"instance {id}: killed stray pid {stray.ProcessId} (port {stray.Environment.GetValueOrDefault(InstanceRuntime.PortVariable)}), {why}");
        }

        // A kill is asynchronous: wait (bounded) so a stray's port is free before instances are started on free ports.
        var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
        while (strays.Exists(stray => DetachedProcess.IsAlive(stray.ProcessId)) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), Time);
        }

        return marked.Except(strays).ToLookup(process => process.Environment[InstanceRuntime.InstanceIdVariable], StringComparer.Ordinal);
    }
}
