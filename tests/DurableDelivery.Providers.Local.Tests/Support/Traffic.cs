using System.Collections.Concurrent;
using System.Diagnostics;
using DurableDelivery.Providers.Local.Load;

namespace DurableDelivery.Providers.Local.Tests.Support;

/// <summary>Steady background load on a listener that remembers every response, so tests can split them by time.</summary>
internal sealed class Traffic : IAsyncDisposable
{
    private readonly ConcurrentQueue<LoadResponse> responses = new();
    private readonly LoadGenerator generator = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task<LoadReport> run;

    public Traffic(string endpoint, int requestsPerSecond)
    {
        run = generator.RunAsync(
            new LoadOptions { Target = new Uri(endpoint), RequestsPerSecond = requestsPerSecond, Duration = TimeSpan.FromMinutes(2) },
            responses.Enqueue,
            cancellationToken: stop.Token);
    }

    public IReadOnlyCollection<LoadResponse> All => responses;

    /// <summary>Waits for <paramref name="count"/> responses to requests sent after <paramref name="since"/> and returns the share each version served.</summary>
    public async Task<IReadOnlyDictionary<string, double>> SplitAfterAsync(long since, int count)
    {
        await Eventually.EventuallyAsync(() => responses.Count(r => r.StartedTimestamp > since) >= count, TimeSpan.FromSeconds(30), $"{count} responses after the change");
        var sample = responses.Where(r => r.StartedTimestamp > since).OrderBy(r => r.StartedTimestamp).Take(count).ToList();
        sample.Where(r => r.StatusCode != 200).ShouldBeEmpty("every request is served with 200 while weights shift");
        return sample.GroupBy(r => r.Version).ToDictionary(g => g.Key, g => (double)g.Count() / count);
    }

    public async Task<LoadReport> StopAsync()
    {
        await stop.CancelAsync();
        return await run;
    }

    public async ValueTask DisposeAsync()
    {
        if (!run.IsCompleted)
        {
            await StopAsync();
        }

        generator.Dispose();
        stop.Dispose();
    }

    public static long Now => Stopwatch.GetTimestamp();
}
