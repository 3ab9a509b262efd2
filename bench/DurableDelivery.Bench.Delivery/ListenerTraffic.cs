using System.Collections.Concurrent;
using System.Diagnostics;
using DurableDelivery.Providers.Local.Load;

namespace DurableDelivery.Bench.Delivery;

/// <summary>
/// Open-loop load on a listener (<see cref="LoadGenerator"/>), every response kept with its send time and the version
/// that served it (<c>X-Served-By-Version</c>; the rollback target is the only infra-set of its version), so that a
/// traffic change is observed from outside: when did every NEW request start going to the target?
/// </summary>
internal sealed class ListenerTraffic : IAsyncDisposable
{
    private readonly LoadGenerator generator = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task<LoadReport> run;
    private ConcurrentQueue<LoadResponse> responses = new();

    public ListenerTraffic(Uri target, int rps) =>
        run = generator.RunAsync(
            new LoadOptions { Target = target, RequestsPerSecond = rps, Duration = TimeSpan.FromHours(2), RequestTimeout = TimeSpan.FromSeconds(5) },
            r => responses.Enqueue(r),
            cancellationToken: stop.Token);

    public LoadReport Report => generator.Snapshot();

    /// <summary>Forgets what was seen so far (keeps memory flat over a long run); call well before the next measurement.</summary>
    public void Forget() => Interlocked.Exchange(ref responses, new ConcurrentQueue<LoadResponse>());

    /// <summary>
    /// Waits until the requests sent after <paramref name="issuedAt"/> settle on <paramref name="version"/>: every request
    /// sent from the returned instant on was served by it, with at least <paramref name="settle"/> of such requests seen.
    /// </summary>
    /// <returns>Time from <paramref name="issuedAt"/> to the first request of the final run of <paramref name="version"/>, and how many requests sent after <paramref name="issuedAt"/> went elsewhere; null after <paramref name="timeout"/>.</returns>
    public async Task<(TimeSpan Effective, int Elsewhere)?> SettledAsync(string version, long issuedAt, TimeSpan settle, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var after = responses.Where(r => r.StartedTimestamp >= issuedAt).OrderBy(r => r.StartedTimestamp).ToArray();
            var firstOfRun = after.Length;
            while (firstOfRun > 0 && after[firstOfRun - 1].Version == version && after[firstOfRun - 1].StatusCode == 200)
            {
                firstOfRun--;
            }

            if (firstOfRun < after.Length && Stopwatch.GetElapsedTime(after[firstOfRun].StartedTimestamp) >= settle)
            {
                return (Stopwatch.GetElapsedTime(issuedAt, after[firstOfRun].StartedTimestamp), firstOfRun);
            }

            await Task.Delay(50);
        }

        return null;
    }

    /// <summary>How many requests sent after <paramref name="from"/> went elsewhere than <paramref name="version"/>.</summary>
    public int ElsewhereAfter(string version, long from) => responses.Count(r => r.StartedTimestamp >= from && (r.Version != version || r.StatusCode != 200));

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await run;
        generator.Dispose();
        stop.Dispose();
    }
}
