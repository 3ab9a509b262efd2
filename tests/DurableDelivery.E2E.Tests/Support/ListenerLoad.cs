using System.Diagnostics;
using DurableDelivery.Providers.Local.Load;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// Steady open-loop HTTP load on an environment's loopback listener (the provider tests' <see cref="Traffic"/>, which
/// keeps every response with its send time), and what the listener served while one weight table was in effect.
/// </summary>
public sealed class ListenerLoad(int port, int requestsPerSecond) : IAsyncDisposable
{
    private readonly Traffic traffic = new($"http://127.0.0.1:{port}/", requestsPerSecond);

    public static long Now => Traffic.Now;

    /// <summary>Responses to requests sent at or after <paramref name="from"/> and answered by <paramref name="to"/> (Stopwatch timestamps).</summary>
    public IReadOnlyList<LoadResponse> Within(long from, long to) =>
        [.. traffic.All.Where(r => r.StartedTimestamp >= from && End(r) <= to).OrderBy(r => r.StartedTimestamp)];

    /// <summary>Responses to requests sent at or after <paramref name="from"/>.</summary>
    public IReadOnlyList<LoadResponse> SentSince(long from) => [.. traffic.All.Where(r => r.StartedTimestamp >= from).OrderBy(r => r.StartedTimestamp)];

    /// <summary>Waits until at least <paramref name="count"/> requests sent since <paramref name="from"/> have their response, and returns them all.</summary>
    public async Task<IReadOnlyList<LoadResponse>> WaitForSentSinceAsync(long from, int count, string what) =>
        await Eventually.UntilAsync(() => Task.FromResult(SentSince(from)), r => r.Count >= count, TimeSpan.FromSeconds(30), $"{count} responses {what}");

    /// <summary>Share of <paramref name="sample"/> served by <paramref name="version"/> (the sample service's X-Served-By-Version).</summary>
    public static double ShareOf(IReadOnlyList<LoadResponse> sample, string version) =>
        sample.Count == 0 ? double.NaN : (double)sample.Count(r => r.Version == version) / sample.Count;

    /// <summary>Counts per version and status, for failure messages.</summary>
    public static string Describe(IReadOnlyList<LoadResponse> sample) =>
        $"{sample.Count} responses: " + string.Join(", ", sample.GroupBy(r => (r.Version, r.StatusCode)).OrderBy(g => g.Key).Select(g => $"{g.Key.Version}/{g.Key.StatusCode} x{g.Count()}"));

    public ValueTask DisposeAsync() => traffic.DisposeAsync();

    private static long End(LoadResponse r) => r.StartedTimestamp + (long)(r.Latency.TotalSeconds * Stopwatch.Frequency);
}
