using System.Collections.Concurrent;
using System.Diagnostics;
using DurableDelivery.Providers;

namespace DurableDelivery.Bench.Delivery;

/// <summary>One provider call as the worker made it: what, when it started and how long it took (Stopwatch timestamps).</summary>
internal readonly record struct ProviderCall(string What, long Started, long Ended)
{
    public TimeSpan Took => Stopwatch.GetElapsedTime(Started, Ended);
}

/// <summary>
/// The worker's <see cref="IInfraProvider"/>, timed: every call is recorded, so that a delivery's wall time can be split
/// into the provider's own time (creating instances, waiting for their health checks, swapping weights, draining,
/// deleting) and everything else, which is the orchestration overhead of the workflows, the SDK worker and the Temporal server.
/// </summary>
internal sealed class TimedProvider(IInfraProvider inner) : IInfraProvider
{
    private readonly ConcurrentQueue<ProviderCall> calls = new();

    public InfraProviderCapabilities Capabilities => inner.Capabilities;

    /// <summary>The time the provider's calls covered between two instants (overlapping calls counted once).</summary>
    public TimeSpan BusyBetween(long from, long to)
    {
        var spans = calls.Where(c => c.Ended > from && c.Started < to)
            .Select(c => (Start: Math.Max(c.Started, from), End: Math.Min(c.Ended, to)))
            .OrderBy(s => s.Start)
            .ToList();
        long busy = 0;
        long coveredUntil = from;
        foreach (var (start, end) in spans)
        {
            var s = Math.Max(start, coveredUntil);
            if (end > s)
            {
                busy += end - s;
                coveredUntil = end;
            }
        }

        return TimeSpan.FromSeconds(busy / (double)Stopwatch.Frequency);
    }

    /// <summary>The calls made between two instants, e.g. <c>CreateInfraSet 120 ms, WaitHealthy 1,430 ms</c>.</summary>
    public IReadOnlyList<ProviderCall> Between(long from, long to) => [.. calls.Where(c => c.Started >= from && c.Ended <= to).OrderBy(c => c.Started)];

    public Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Timed("EnsureListener", () => inner.EnsureListenerAsync(spec, idempotencyKey, cancellationToken));

    public Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Timed("CreateInfraSet", () => inner.CreateInfraSetAsync(spec, idempotencyKey, cancellationToken));

    public Task<InfraSetInfo> WaitHealthyAsync(string infraSetId, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Timed("WaitHealthy", () => inner.WaitHealthyAsync(infraSetId, timeout, cancellationToken));

    public Task<InfraSetInfo?> DescribeInfraSetAsync(string infraSetId, CancellationToken cancellationToken = default) =>
        Timed("DescribeInfraSet", () => inner.DescribeInfraSetAsync(infraSetId, cancellationToken));

    public Task<IReadOnlyList<InfraSetInfo>> ListInfraSetsAsync(string environment, CancellationToken cancellationToken = default) =>
        Timed("ListInfraSets", () => inner.ListInfraSetsAsync(environment, cancellationToken));

    public Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> weights, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Timed("SetWeights", () => inner.SetWeightsAsync(environment, weights, idempotencyKey, cancellationToken));

    public Task<ListenerWeights> GetWeightsAsync(string environment, CancellationToken cancellationToken = default) =>
        Timed("GetWeights", () => inner.GetWeightsAsync(environment, cancellationToken));

    public Task<TrafficMetrics> GetMetricsAsync(string environment, string infraSetId, TimeSpan window, CancellationToken cancellationToken = default) =>
        Timed("GetMetrics", () => inner.GetMetricsAsync(environment, infraSetId, window, cancellationToken));

    public Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Timed("Drain", () => inner.DrainAsync(environment, infraSetId, timeout, idempotencyKey, cancellationToken));

    public Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Timed("DeleteInfraSet", () => inner.DeleteInfraSetAsync(infraSetId, idempotencyKey, cancellationToken));

    private async Task<T> Timed<T>(string what, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await call().ConfigureAwait(false);
        }
        finally
        {
            calls.Enqueue(new ProviderCall(what, started, Stopwatch.GetTimestamp()));
        }
    }
}
