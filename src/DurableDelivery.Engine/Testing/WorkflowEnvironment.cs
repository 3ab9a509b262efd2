using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Worker;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Testing;

/// <summary>
/// An in-process environment for tests: a real SQLite store in a temporary directory and, with
/// <see cref="StartTimeSkippingAsync"/>, a virtual clock that jumps to the next timer, retry or time-out whenever every
/// worker is idle, so that a test of a 30-minute bake finishes in milliseconds. Nothing is downloaded; environments are
/// independent, so tests may run in parallel.
/// </summary>
public sealed class WorkflowEnvironment : IAsyncDisposable
{
    private readonly List<DurableWorker> workers = [];
    private readonly CancellationTokenSource stop = new();
    private readonly string directory;
    private readonly Task? skipper;
    private readonly SemaphoreSlim polled = new(0);

    private WorkflowEnvironment(string directory, DurableClient client, VirtualTimeProvider? time)
    {
        this.directory = directory;
        Client = client;
        Time = time;
        if (time is not null)
        {
            skipper = Task.Run(SkipTimeAsync);
        }
    }

    /// <summary>Gets the client.</summary>
    public DurableClient Client { get; }

    /// <summary>Gets the virtual clock, or null in a real-time environment.</summary>
    public VirtualTimeProvider? Time { get; }

    /// <summary>Gets or sets a value indicating whether time skips ahead automatically when everything waits.</summary>
    /// <value>The default is true.</value>
    public bool AutoTimeSkipping { get; set; } = true;

    /// <summary>Gets the data directory of the environment's store.</summary>
    public string DataDirectory => directory;

    /// <summary>Starts an environment with a virtual clock that skips ahead when every worker is idle.</summary>
    /// <param name="start">The virtual start time; the default is 2030-01-01T00:00Z.</param>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <returns>The environment.</returns>
    public static Task<WorkflowEnvironment> StartTimeSkippingAsync(DateTimeOffset? start = null, ILoggerFactory? loggerFactory = null)
    {
        var time = new VirtualTimeProvider(start ?? new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return Task.FromResult(Create(time, loggerFactory));
    }

    /// <summary>Starts an environment on the real clock.</summary>
    /// <param name="loggerFactory">Where logs go.</param>
    /// <returns>The environment.</returns>
    public static Task<WorkflowEnvironment> StartLocalAsync(ILoggerFactory? loggerFactory = null) => Task.FromResult(Create(null, loggerFactory));

    /// <summary>Creates a worker whose idleness the environment watches for time skipping.</summary>
    /// <param name="options">The worker options.</param>
    /// <returns>The worker; run it with <see cref="DurableWorker.ExecuteAsync(Func{Task}, CancellationToken)"/>.</returns>
    public DurableWorker CreateWorker(DurableWorkerOptions options)
    {
        var worker = new DurableWorker(Client, options);
        worker.Polled += () => polled.Release();
        worker.BecameIdle += () => polled.Release();
        lock (workers)
        {
            workers.Add(worker);
        }

        return worker;
    }

    /// <summary>Moves virtual time forward by <paramref name="delta"/> and wakes the workers.</summary>
    /// <param name="delta">How far.</param>
    /// <returns>A completed task.</returns>
    public Task DelayAsync(TimeSpan delta)
    {
        if (Time is null)
        {
            return Task.Delay(delta);
        }

        Time.Advance(delta);
        Client.Store.Notifier.Pulse(StoreNotifier.WorkKey);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (skipper is not null)
        {
            await skipper.ConfigureAwait(false);
        }

        await Client.DisposeAsync().ConfigureAwait(false);
        stop.Dispose();
        polled.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A worker still holding a file: leave the temp directory to the OS.
        }
    }

    private static WorkflowEnvironment Create(VirtualTimeProvider? time, ILoggerFactory? loggerFactory)
    {
        var dir = Path.Combine(Path.GetTempPath(), "dd-env-" + Guid.NewGuid().ToString("N")[..12]);
        var store = SqliteWorkflowStore.Open(dir, create: true, time);
        var client = new DurableClient(store, new DurableClientOptions { TimeProvider = time, LoggerFactory = loggerFactory, Identity = "test" }, ownsStore: true);
        return new WorkflowEnvironment(dir, client, time);
    }

    private async Task SkipTimeAsync()
    {
        var store = Client.Store;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Wait for a worker to finish a poll cycle (or a short real-time tick), then look at the whole system.
                await polled.WaitAsync(TimeSpan.FromMilliseconds(20), stop.Token).ConfigureAwait(false);
                if (!AutoTimeSkipping || !AllIdle() || await store.HasDueWorkAsync(stop.Token).ConfigureAwait(false))
                {
                    continue;
                }

                // Still idle after the store check: nothing can move until the clock does.
                var next = await store.NextDueTimeAsync(stop.Token).ConfigureAwait(false);
                if (next is null || !AllIdle())
                {
                    continue;
                }

                Time!.AdvanceTo(next.Value);
                store.Notifier.Pulse(StoreNotifier.WorkKey);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private bool AllIdle()
    {
        lock (workers)
        {
            return workers.Count > 0 && workers.All(w => w.IsIdle);
        }
    }
}
