using System.Collections.Concurrent;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>All traffic series of the provider, keyed by (environment, infra-set id).</summary>
internal sealed class TrafficRecorder(int retentionSeconds)
{
    private readonly ConcurrentDictionary<(string Environment, string InfraSetId), TrafficSeries> series = new();

    public int RetentionSeconds => retentionSeconds;

    public TrafficSeries For(string environment, string infraSetId) =>
        series.GetOrAdd((environment, infraSetId), static (_, retention) => new TrafficSeries(retention), retentionSeconds);

    public TrafficSeries? Find(string environment, string infraSetId) =>
        series.TryGetValue((environment, infraSetId), out var found) ? found : null;
}
