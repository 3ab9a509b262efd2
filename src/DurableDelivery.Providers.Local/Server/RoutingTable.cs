namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// An immutable weight table for one listener. A listener swaps its table with one reference write, so each new request
/// sees either the old or the new table, never a mix; requests in flight keep the instance they already chose.
/// </summary>
internal sealed class RoutingTable
{
    private readonly (int CumulativeWeight, string InfraSetId, InfraSetRuntime? Runtime)[] entries;

    public RoutingTable(ListenerWeights weights, Func<string, InfraSetRuntime?> lookup)
    {
        Weights = weights;
        var cumulative = 0;
        entries = weights.Weights
            .Where(pair => pair.Value > 0)
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (cumulative += pair.Value, pair.Key, lookup(pair.Key)))
            .ToArray();
        Total = cumulative;
    }

    public ListenerWeights Weights { get; }

    public int Total { get; }

    /// <summary>Picks an infra-set with probability weight/total; <paramref name="roll"/> is uniform in [0, Total).</summary>
    public (string InfraSetId, InfraSetRuntime? Runtime) Pick(int roll)
    {
        foreach (var entry in entries)
        {
            if (roll < entry.CumulativeWeight)
            {
                return (entry.InfraSetId, entry.Runtime);
            }
        }

        var last = entries[^1];
        return (last.InfraSetId, last.Runtime);
    }
}
