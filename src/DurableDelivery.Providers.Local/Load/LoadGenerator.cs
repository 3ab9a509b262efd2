using System.Collections.Concurrent;
using System.Diagnostics;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local.Load;

/// <summary>
/// Sends steady open-loop GET traffic (requests leave on schedule, not when the previous one returns) and counts what
/// each version served. Used by <c>ddctl local load</c>, the end-to-end tests and the benchmark.
/// </summary>
public sealed class LoadGenerator : IDisposable
{
    private readonly HttpClient client;
    private readonly bool ownsClient;
    private readonly ConcurrentDictionary<string, long> byVersion = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> byStatus = new();
    private readonly LatencyHistogram latency = new();
    private long sent;
    private long skipped;
    private long completed;
    private long failed;
    private long startedAt;
    private string target = string.Empty;

    /// <summary>Initializes a new instance of the <see cref="LoadGenerator"/> class.</summary>
    /// <param name="client">The client to send with; by default a pooled client of its own.</param>
    public LoadGenerator(HttpClient? client = null)
    {
        ownsClient = client is null;
        this.client = client ?? new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Runs the load until <see cref="LoadOptions.Duration"/> passes or <paramref name="cancellationToken"/> is cancelled, then waits for requests in flight.</summary>
    /// <param name="options">What to send.</param>
    /// <param name="onResponse">Called for every response (from many threads at once), e.g. to split results by time.</param>
    /// <param name="progress">Receives a report about once per second.</param>
    /// <param name="cancellationToken">Stops sending early; the report covers what was sent.</param>
    /// <returns>The final report.</returns>
    public async Task<LoadReport> RunAsync(LoadOptions options, Action<LoadResponse>? onResponse = null, IProgress<LoadReport>? progress = null, CancellationToken cancellationToken = default)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        target = options.Target.ToString();
        startedAt = Stopwatch.GetTimestamp();
        var uri = new Uri(options.Target, options.Path);
        var inFlight = new ConcurrentDictionary<Task, bool>();
        var lastProgress = startedAt;
        while (!cancellationToken.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(startedAt);
            if (elapsed >= options.Duration)
            {
                break;
            }

            var due = (long)(elapsed.TotalSeconds * options.RequestsPerSecond) - sent - skipped;
            for (var i = 0; i < due; i++)
            {
                if (inFlight.Count >= options.MaxConcurrency)
                {
                    Interlocked.Increment(ref skipped);
                    continue;
                }

                Interlocked.Increment(ref sent);
                var task = SendOneAsync(uri, options.RequestTimeout, onResponse);
                inFlight[task] = true;
                _ = task.ContinueWith(done => inFlight.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            if (progress is not null && Stopwatch.GetElapsedTime(lastProgress) >= TimeSpan.FromSeconds(1))
            {
                lastProgress = Stopwatch.GetTimestamp();
                progress.Report(Snapshot());
            }

            try
            {
                await Task.Delay(1, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(inFlight.Keys);
        return Snapshot();
    }

    /// <summary>Reports what the run has seen so far.</summary>
    /// <returns>The report.</returns>
    public LoadReport Snapshot()
    {
        lock (latency)
        {
            return new LoadReport
            {
                Target = target,
                Elapsed = Stopwatch.GetElapsedTime(startedAt),
                Sent = Interlocked.Read(ref sent),
                Skipped = Interlocked.Read(ref skipped),
                Completed = Interlocked.Read(ref completed),
                Failed = Interlocked.Read(ref failed),
                ByVersion = new SortedDictionary<string, long>(byVersion, StringComparer.Ordinal),
                ByStatus = new SortedDictionary<int, long>(byStatus),
                LatencyP50Ms = latency.QuantileMs(0.50),
                LatencyP99Ms = latency.QuantileMs(0.99),
            };
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }
    }

    private async Task SendOneAsync(Uri uri, TimeSpan timeout, Action<LoadResponse>? onResponse)
    {
        await Task.Yield();
        var started = Stopwatch.GetTimestamp();
        string version;
        var status = 0;
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            status = (int)response.StatusCode;
            version = response.Headers.TryGetValues("X-Served-By-Version", out var versions) ? versions.First()
                : response.Headers.TryGetValues("X-DD-Infra-Set", out var sets) ? sets.First()
                : "(none)";
            await response.Content.CopyToAsync(Stream.Null, cancel.Token);
            Interlocked.Increment(ref completed);
            byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            version = "(error)";
            Interlocked.Increment(ref failed);
        }

        var took = Stopwatch.GetElapsedTime(started);
        byVersion.AddOrUpdate(version, 1, (_, n) => n + 1);
        lock (latency)
        {
            latency.Record((long)took.TotalMicroseconds);
        }

        onResponse?.Invoke(new LoadResponse(started, version, status, took));
    }
}
