using System.Globalization;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>The live side of one infra-set: its instance supervisors and the round-robin choice among healthy instances.</summary>
internal sealed class InfraSetRuntime(InfraSetRecord record, IReadOnlyList<InstanceRuntime> instances)
{
    private int next;

    public InfraSetRecord Record { get; } = record;

    public IReadOnlyList<InstanceRuntime> Instances { get; } = instances;

    /// <summary>Starts (or, with <paramref name="tryAdopt"/>, re-adopts) the supervisor of every instance.</summary>
    /// <param name="tryAdopt">Whether to adopt a process that still runs instead of starting a new one.</param>
    /// <param name="running">With <paramref name="tryAdopt"/>: this provider's live instance processes by instance id, from the start-up scan.</param>
    public void StartInstances(bool tryAdopt, ILookup<string, ScannedProcess>? running = null)
    {
        foreach (var instance in Instances)
        {
            instance.Start(tryAdopt, running?[instance.Record.Id].ToList());
        }
    }

    public Task StopAllAsync() => Task.WhenAll(Instances.Select(instance => instance.StopAsync()));

    public bool IsHealthy => Instances.All(instance => instance.Healthy);

    /// <summary>Picks the next healthy instance, or null when none is healthy.</summary>
    public InstanceRuntime? PickHealthy()
    {
        var count = Instances.Count;
        var start = Interlocked.Increment(ref next);
        for (var i = 0; i < count; i++)
        {
            var candidate = Instances[(int)((uint)(start + i) % (uint)count)];
            if (candidate.Healthy)
            {
                return candidate;
            }
        }

        return null;
    }

    public InfraSetInfo ToInfo()
    {
        var infos = Instances.Select(instance => instance.ToInfo()).ToList();
        var healthyCount = infos.Count(instance => instance.Healthy);
        var status = Record.Deleted ? InfraSetStatus.Deleted
            : healthyCount == infos.Count ? InfraSetStatus.Healthy
            : healthyCount > 0 ? InfraSetStatus.Degraded
            : Instances.Any(instance => instance.EverHealthy) ? InfraSetStatus.Unhealthy
            : InfraSetStatus.Starting;
        var message = status == InfraSetStatus.Deleted
            ? "deleted; instances stopped"
            : string.Create(CultureInfo.InvariantCulture, $"{healthyCount} of {infos.Count} instances healthy");
        var restarts = infos.Sum(instance => instance.Restarts);
        if (restarts > 0 && status != InfraSetStatus.Deleted)
        {
            var last = infos.Where(instance => instance.LastExit is not null).Select(instance => $"{instance.Id} {instance.LastExit}").LastOrDefault();
            message += string.Create(CultureInfo.InvariantCulture, $"; {restarts} restarts (last: {last})");
        }

        return new InfraSetInfo
        {
            Id = Record.Id,
            Spec = Record.Spec,
            Version = Record.Artifact.Version,
            Status = status,
            StatusMessage = message,
            CreatedAt = Record.CreatedAt,
            Instances = infos,
        };
    }
}
