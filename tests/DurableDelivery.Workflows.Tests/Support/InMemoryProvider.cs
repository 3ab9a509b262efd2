using System.Collections.Concurrent;
using DurableDelivery.Providers;

namespace DurableDelivery.Workflows.Tests.Support;

/// <summary>
/// An <see cref="IInfraProvider"/> in memory for workflow tests under virtual time: it enforces the provider contract
/// the workflows rely on (idempotency keys, weights only on healthy infra-sets, no deleting what takes traffic) and
/// records every weight change so tests can check the invariants after each one. Per-second metrics are synthesized
/// from each artifact's error rate (artifacts named <c>*-bad</c> fail 30% of requests), deterministically.
/// </summary>
internal sealed class InMemoryProvider : IInfraProvider
{
    private readonly object gate = new();
    private readonly Dictionary<string, InfraSetInfo> sets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> keys = new(StringComparer.Ordinal);
    private int sequence;

    public InfraProviderCapabilities Capabilities { get; } = new() { Name = "memory", PerSecondMetrics = true, LatencyPercentiles = true, ObservableDrain = true };

    /// <summary>Gets every weight table applied, per environment, in order.</summary>
    public ConcurrentQueue<(string Environment, IReadOnlyDictionary<string, int> Weights, IReadOnlyList<string> Healthy)> WeightChanges { get; } = new();

    /// <summary>Gets how many infra-sets were created (idempotent repeats not counted).</summary>
    public int Created => sequence;

    /// <summary>Gets or sets artifacts that never become healthy.</summary>
    public HashSet<string> NeverHealthy { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets requests per second each infra-set receives at weight 100 (scaled by its share).</summary>
    public int RequestsPerSecond { get; set; } = 100;

    public Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            weights.TryAdd(spec.Environment, new Dictionary<string, int>(StringComparer.Ordinal));
            return Task.FromResult(new ListenerInfo { Environment = spec.Environment, Port = spec.Port, Endpoint = $"http://127.0.0.1:{spec.Port}", Weights = Weights(spec.Environment) });
        }
    }

    public Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (keys.TryGetValue(idempotencyKey, out var earlier))
            {
                var first = (InfraSetInfo)earlier;
                return first.Spec.Equals(spec)
                    ? Task.FromResult(sets[first.Id])
                    : throw InfraProviderException.Create(InfraProviderErrorReason.IdempotencyKeyConflict, $"key {idempotencyKey} was used for another spec");
            }

            if (spec.ArtifactId.StartsWith("missing", StringComparison.Ordinal))
            {
                throw InfraProviderException.Create(InfraProviderErrorReason.ArtifactNotFound, $"artifact '{spec.ArtifactId}' not found");
            }

            var id = $"{spec.Environment}-{spec.ArtifactId}-{++sequence:D4}";
            var info = new InfraSetInfo { Id = id, Spec = spec, Version = spec.ArtifactId, Status = InfraSetStatus.Starting };
            sets[id] = info;
            keys[idempotencyKey] = info;
            return Task.FromResult(info);
        }
    }

    public Task<InfraSetInfo> WaitHealthyAsync(string infraSetId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var set = Find(infraSetId);
            if (set.Status == InfraSetStatus.Starting && !NeverHealthy.Contains(set.Spec.ArtifactId))
            {
                set = sets[infraSetId] = set with { Status = InfraSetStatus.Healthy, StatusMessage = "all instances healthy" };
            }

            return Task.FromResult(set.Status == InfraSetStatus.Starting ? set with { StatusMessage = "health check failing: connection refused" } : set);
        }
    }

    /// <summary>
    /// Gets, per artifact, the statuses a healthy infra-set of that artifact goes through, one per describe (the last
    /// one stays): e.g. <c>[Unhealthy]</c> for a canary that crash-loops once it took traffic. Its weights are then
    /// refused like the real provider's.
    /// </summary>
    public Dictionary<string, Queue<InfraSetStatus>> HealthScripts { get; } = new(StringComparer.Ordinal);

    public Task<InfraSetInfo?> DescribeInfraSetAsync(string infraSetId, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (sets.TryGetValue(infraSetId, out var set) && set.Status is not (InfraSetStatus.Starting or InfraSetStatus.Deleted)
                && HealthScripts.TryGetValue(set.Spec.ArtifactId, out var script) && script.Count > 0)
            {
                var next = script.Count > 1 ? script.Dequeue() : script.Peek();
                set = sets[infraSetId] = set with { Status = next, StatusMessage = next == InfraSetStatus.Healthy ? "all instances healthy" : "instance 1 exited with code 139; restarting" };
            }

            return Task.FromResult(sets.GetValueOrDefault(infraSetId));
        }
    }

    public Task<IReadOnlyList<InfraSetInfo>> ListInfraSetsAsync(string environment, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult<IReadOnlyList<InfraSetInfo>>([.. sets.Values.Where(s => s.Spec.Environment == environment && s.Status != InfraSetStatus.Deleted).OrderBy(s => s.Id, StringComparer.Ordinal)]);
        }
    }

    public Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> newWeights, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (!weights.ContainsKey(environment))
            {
                throw InfraProviderException.Create(InfraProviderErrorReason.UnknownListener, $"no listener for {environment}");
            }

            foreach (var (id, weight) in newWeights)
            {
                var set = Find(id);
                if (weight > 0 && set.Status != InfraSetStatus.Healthy)
                {
                    throw InfraProviderException.Create(InfraProviderErrorReason.InfraSetNotHealthy, $"{id} is {set.Status}");
                }
            }

            if (newWeights.Values.Sum() <= 0)
            {
                throw InfraProviderException.Create(InfraProviderErrorReason.InvalidWeights, "weights sum to 0");
            }

            if (keys.TryGetValue(idempotencyKey, out var earlier))
            {
                return ((Dictionary<string, int>)earlier).OrderBy(k => k.Key).SequenceEqual(newWeights.OrderBy(k => k.Key))
                    ? Task.FromResult(Weights(environment))
                    : throw InfraProviderException.Create(InfraProviderErrorReason.IdempotencyKeyConflict, $"key {idempotencyKey} was used for other weights");
            }

            var table = new Dictionary<string, int>(newWeights, StringComparer.Ordinal);
            keys[idempotencyKey] = table;
            weights[environment] = table;
            WeightChanges.Enqueue((environment, table, [.. sets.Values.Where(s => s.Status == InfraSetStatus.Healthy).Select(s => s.Id)]));
            return Task.FromResult(Weights(environment));
        }
    }

    public Task<ListenerWeights> GetWeightsAsync(string environment, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            return Task.FromResult(Weights(environment));
        }
    }

    /// <summary>Synthesizes one sample per second of the window for the infra-set's share of traffic.</summary>
    public Task<TrafficMetrics> GetMetricsAsync(string environment, string infraSetId, TimeSpan window, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            // The local provider's contract: whole seconds, at least one (it asks for ceil(window)).
            if (Math.Ceiling(window.TotalSeconds) < 1)
            {
                throw InfraProviderException.Create(InfraProviderErrorReason.InvalidSpec, $"Metrics window {window.TotalSeconds} s is outside 1-300 s.");
            }

            var set = Find(infraSetId);
            var table = weights[environment];
            var total = table.Values.Sum();
            var share = total == 0 ? 0 : (double)table.GetValueOrDefault(infraSetId) / total;
            var perSecond = (long)Math.Round(RequestsPerSecond * share);
            var bad = set.Spec.ArtifactId.EndsWith("-bad", StringComparison.Ordinal);
            var seconds = (int)window.TotalSeconds;
            var series = Enumerable.Range(0, seconds).Select(i => new TrafficSample
            {
                Requests = perSecond,
                Errors5xx = perSecond == 0 ? 0 : bad ? (long)Math.Round(perSecond * 0.3) : i % 7 == 0 ? 1 : 0,
                LatencyP99Ms = perSecond == 0 ? null : 20 + (i % 5),
            }).ToArray();
            var totals = new TrafficSample { Requests = series.Sum(s => s.Requests), Errors5xx = series.Sum(s => s.Errors5xx) };
            return Task.FromResult(new TrafficMetrics { Environment = environment, InfraSetId = infraSetId, Availability = MetricsAvailability.Available, Totals = totals, Series = series });
        }
    }

    /// <summary>Gets or sets a task every drain waits for before it answers, so a test can act while a workflow is cleaning up.</summary>
    public TaskCompletionSource? HoldDrains { get; set; }

    /// <summary>Gets a task that completes when a drain has started (and is held by <see cref="HoldDrains"/>).</summary>
    public TaskCompletionSource DrainStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        if (HoldDrains is { } hold)
        {
            DrainStarted.TrySetResult();
            await hold.Task.WaitAsync(cancellationToken);
        }

        lock (gate)
        {
            Find(infraSetId);
            return weights[environment].GetValueOrDefault(infraSetId) > 0
                ? throw InfraProviderException.Create(InfraProviderErrorReason.InfraSetTakesTraffic, $"{infraSetId} takes traffic")
                : new DrainResult { Status = DrainStatus.Drained };
        }
    }

    public Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var set = Find(infraSetId);
            if (weights.Values.Any(t => t.GetValueOrDefault(infraSetId) > 0))
            {
                throw InfraProviderException.Create(InfraProviderErrorReason.InfraSetTakesTraffic, $"{infraSetId} takes traffic");
            }

            return Task.FromResult(sets[infraSetId] = set with { Status = InfraSetStatus.Deleted });
        }
    }

    /// <summary>Gets the infra-sets that exist (not deleted).</summary>
    public IReadOnlyList<string> Existing()
    {
        lock (gate)
        {
            return [.. sets.Values.Where(s => s.Status != InfraSetStatus.Deleted).Select(s => s.Id).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Gets the weights applied now.</summary>
    public IReadOnlyDictionary<string, int> Current(string environment)
    {
        lock (gate)
        {
            return new Dictionary<string, int>(weights.GetValueOrDefault(environment) ?? [], StringComparer.Ordinal);
        }
    }

    private ListenerWeights Weights(string environment) => new() { Environment = environment, Weights = new Dictionary<string, int>(weights[environment], StringComparer.Ordinal) };

    private InfraSetInfo Find(string id) =>
        sets.TryGetValue(id, out var set) && set.Status != InfraSetStatus.Deleted
            ? set
            : throw InfraProviderException.Create(InfraProviderErrorReason.UnknownInfraSet, $"no infra-set {id}");
}
