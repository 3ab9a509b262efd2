using System.Collections.Concurrent;
using System.Diagnostics;
using DurableDelivery.Providers.Local.Load;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// Steady open-loop GETs to the demo's listener from this process (<see cref="LoadGenerator"/>, as <c>ddctl local load</c>
/// sends them), every response kept with its send time and the version that served it (<c>X-Served-By-Version</c>), so
/// the demo can say from outside what the listener did: the split during a step, and when a rollback took effect.
/// </summary>
internal sealed class DemoTraffic : IAsyncDisposable
{
    private readonly ConcurrentQueue<LoadResponse> responses = new();
    private readonly LoadGenerator generator = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task<LoadReport> run;

    private DemoTraffic(Uri target, int rps) =>
        run = generator.RunAsync(new LoadOptions { Target = target, RequestsPerSecond = rps, Duration = TimeSpan.FromHours(1), RequestTimeout = TimeSpan.FromSeconds(5) }, responses.Enqueue, cancellationToken: stop.Token);

    public static DemoTraffic Start(Uri target, int rps) => new(target, rps);

    /// <summary>Gets what the load generator counted so far.</summary>
    public LoadReport Report => generator.Snapshot();

    /// <summary>The responses to requests sent from <paramref name="from"/> (a <see cref="Stopwatch"/> timestamp) on, in send order.</summary>
    public List<LoadResponse> SentSince(long from, long to = long.MaxValue) =>
        [.. responses.Where(r => r.StartedTimestamp >= from && r.StartedTimestamp < to).OrderBy(r => r.StartedTimestamp)];

    /// <summary>Who served the requests sent in a time range, e.g. <c>v1 1402, v2 173; 38 errors (5xx or no answer)</c>.</summary>
    public string Split(long from, long to = long.MaxValue)
    {
        var sent = SentSince(from, to);
        if (sent.Count == 0)
        {
            return "no responses yet";
        }

        var byVersion = string.Join(", ", sent.GroupBy(r => r.Version).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
        var errors = sent.Count(r => r.StatusCode is 0 or >= 500);
        return $"{sent.Count} requests: {byVersion}; {(errors == 0 ? "no errors" : $"{errors} errors (5xx or no answer)")}";
    }

    /// <summary>
    /// When every NEW request (sent after <paramref name="issuedAt"/>) started being served by <paramref name="version"/>:
    /// the send time of the first request after which no request went elsewhere (resolution: the gap between requests).
    /// </summary>
    /// <returns>
    /// <see langword="null"/> when the last request seen did not go to <paramref name="version"/>; otherwise
    /// <c>After</c>, the time from <paramref name="issuedAt"/> to that first request, <c>Elsewhere</c>, how many
    /// requests sent after <paramref name="issuedAt"/> still went elsewhere, and <c>LastElsewhere</c>, when the last
    /// request that went elsewhere was sent (negative: before <paramref name="issuedAt"/>; null: none in the last minute).
    /// </returns>
    public Switch? SwitchedTo(string version, long issuedAt)
    {
        bool Elsewhere(LoadResponse r) => r.Version != version || r.StatusCode != 200;
        var sent = SentSince(issuedAt - (60 * Stopwatch.Frequency));
        var last = sent.FindLastIndex(Elsewhere);
        var first = sent.FindIndex(last + 1, r => r.StartedTimestamp >= issuedAt);
        if (last == sent.Count - 1 || first < 0)
        {
            return null;
        }

        TimeSpan Since(long t) => TimeSpan.FromSeconds((t - issuedAt) / (double)Stopwatch.Frequency);
        return new Switch(Since(sent[first].StartedTimestamp), sent.Count(r => r.StartedTimestamp >= issuedAt && Elsewhere(r)), last < 0 ? null : Since(sent[last].StartedTimestamp));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
        {
            // Stopping.
        }

        generator.Dispose();
        stop.Dispose();
    }
}

/// <summary>When a listener's traffic moved to one version, seen from outside (<see cref="DemoTraffic.SwitchedTo"/>).</summary>
internal sealed record Switch(TimeSpan After, int Elsewhere, TimeSpan? LastElsewhere);
