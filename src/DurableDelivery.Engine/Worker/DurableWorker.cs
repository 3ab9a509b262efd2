using System.Collections.Concurrent;
using System.Threading.Channels;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Workflows;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Worker;

/// <summary>
/// Runs workflows and activities of one task queue against the client's store, like Temporal's <c>TemporalWorker</c>.
/// Any number of workers (in any number of processes) may share a store: runs are owned by one worker at a time, and a
/// killed worker's runs and activity attempts are taken over by the next worker that looks (see Storage/README.md).
/// </summary>
public sealed partial class DurableWorker : IAsyncDisposable
{
    private readonly DurableClient client;
    private readonly DurableWorkerOptions options;
    private readonly IWorkflowStore store;
    private readonly ILogger logger;
    private readonly ILoggerFactory loggerFactory;
    private readonly Dictionary<string, WorkflowDefinition> workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActivityDefinition> activities = new(StringComparer.Ordinal);
    private readonly WorkflowCache cache;
    private readonly Channel<string> workflowQueue = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, int> inflight = new(StringComparer.Ordinal);
    /// <summary>Attempts running here, by task and attempt: a retry can be claimed before the failed attempt's bookkeeping ends.</summary>
    private readonly ConcurrentDictionary<(ActivityKey Key, int Attempt), RunningActivity> running = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<LocalOutcome>> localOutcomes = new(StringComparer.Ordinal);
    private readonly string[] taskQueues;
    private readonly CancellationTokenSource shutdown = new();
    private int busy;
    private int started;

    /// <summary>Initializes a new instance of the <see cref="DurableWorker"/> class.</summary>
    /// <param name="client">The client whose store the worker uses.</param>
    /// <param name="options">What to run.</param>
    public DurableWorker(DurableClient client, DurableWorkerOptions options)
    {
        this.client = client;
        this.options = options;
        store = client.Store;
        loggerFactory = options.LoggerFactory ?? client.LoggerFactory;
        logger = loggerFactory.CreateLogger<DurableWorker>();
        WorkerId = $"{options.Identity}-{Guid.NewGuid().ToString("N")[..8]}";
        taskQueues = [options.TaskQueue];
        cache = new WorkflowCache(options.MaxCachedWorkflows);
        foreach (var type in options.Workflows)
        {
            var def = WorkflowDefinition.Create(type);
            workflows[def.Name] = def;
        }

        foreach (var a in options.Activities)
        {
            activities[a.Name] = a;
        }

        if (workflows.Count == 0 && activities.Count == 0)
        {
            throw new ArgumentException($"Worker for task queue '{options.TaskQueue}' has no workflows and no activities: call AddWorkflow<T>() or AddAllActivities(...).");
        }
    }

    /// <summary>Gets this worker's unique id (identity plus a random suffix).</summary>
    public string WorkerId { get; }

    /// <summary>Gets the task queue.</summary>
    public string TaskQueue => options.TaskQueue;

    /// <summary>Gets the number of workflow instances in the sticky cache.</summary>
    public int CachedWorkflows => cache.Count;

    /// <summary>Gets a value indicating whether the worker has nothing in flight (used by time skipping).</summary>
    internal bool IsIdle => Volatile.Read(ref busy) == 0;

    /// <summary>Raised when the worker has nothing in flight any more (used by time skipping to look at once).</summary>
    internal event Action? BecameIdle;

    /// <summary>Raised after each poll cycle (used by time skipping to know the worker has looked).</summary>
    internal event Action? Polled;

    /// <summary>Runs the worker until <paramref name="cancellationToken"/> is canceled, then shuts down gracefully.</summary>
    /// <param name="cancellationToken">Stops the worker.</param>
    /// <returns>A task that completes when the worker has shut down.</returns>
    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref started, 1) == 1)
        {
            throw new InvalidOperationException("A worker can be run only once; create a new DurableWorker.");
        }

        await store.RegisterWorkerAsync(WorkerId, CancellationToken.None).ConfigureAwait(false);
        await store.UpsertWorkflowTypesAsync([.. workflows.Values.Select(d => new WorkflowTypeRecord
        {
            Name = d.Name, Signals = [.. d.Signals.Keys.Order(StringComparer.Ordinal)], Queries = [.. d.Queries.Keys.Order(StringComparer.Ordinal)],
            Updates = [.. d.Updates.Keys.Order(StringComparer.Ordinal)], RunParameterCount = d.RunParameterTypes.Length,
        })], CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("Worker {WorkerId} started on task queue {TaskQueue} ({Workflows} workflow types, {Activities} activity types) with store {Store}",
            WorkerId, options.TaskQueue, workflows.Count, activities.Count, store.Location);

        var loops = Enumerable.Range(0, Math.Max(1, options.MaxConcurrentWorkflowTasks)).Select(_ => Task.Run(WorkflowTaskLoopAsync)).ToArray();
        client.AttachWorker(this);
        try
        {
            await PollLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ShutdownAsync(loops).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the worker while <paramref name="body"/> runs, then shuts it down (handy in tests and tools).</summary>
    /// <param name="body">What to do while the worker runs.</param>
    /// <param name="cancellationToken">Stops the worker early.</param>
    /// <returns>A task that completes when the body has and the worker has shut down.</returns>
    public async Task ExecuteAsync(Func<Task> body, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = ExecuteAsync(cts.Token);
        try
        {
            await body().ConfigureAwait(false);
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        shutdown.Cancel();
        shutdown.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ShutdownAsync(Task[] loops)
    {
        client.DetachWorker(this);
        workflowQueue.Writer.TryComplete();
        await Task.WhenAll(loops).ConfigureAwait(false);
        FinishAllLocalUpdatesNotTaken();
        if (options.GracefulShutdownTimeout > TimeSpan.Zero && !running.IsEmpty)
        {
            var all = Task.WhenAll(running.Values.Select(r => r.Completion.Task));
            await Task.WhenAny(all, Task.Delay(options.GracefulShutdownTimeout)).ConfigureAwait(false);
        }

        await shutdown.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running.Values.Select(r => r.Completion.Task)).ConfigureAwait(false);
        await store.UnregisterWorkerAsync(WorkerId, CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("Worker {WorkerId} stopped", WorkerId);
    }

    private async Task PollLoopAsync(CancellationToken ct)
    {
        var lastReap = DateTime.MinValue;
        while (!ct.IsCancellationRequested)
        {
            var watch = store.Notifier.Watch(StoreNotifier.WorkKey);
            Interlocked.Increment(ref busy);
            try
            {
                if (DateTime.UtcNow - lastReap > TimeSpan.FromSeconds(1))
                {
                    lastReap = DateTime.UtcNow;
                    var reaped = await store.ReapDeadWorkersAsync(WorkerId, ct).ConfigureAwait(false);
                    if (reaped > 0)
                    {
                        logger.LogWarning("Took over the work of {Count} dead worker(s)", reaped);
                    }
                }

                if (workflows.Count > 0)
                {
                    foreach (var runId in await store.ClaimReadyWorkflowsAsync(WorkerId, taskQueues, 512, ct).ConfigureAwait(false))
                    {
                        Enqueue(runId);
                    }

                    CrashPoints.Hit("claim-workflows-after");
                    foreach (var q in await store.ClaimQueriesAsync(WorkerId, workflows.Keys, 64, ct).ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref busy);
                        _ = Task.Run(async () =>
                        {
                            try
                            {
                                await AnswerQueryAsync(q).ConfigureAwait(false);
                            }
                            finally
                            {
                                Done();
                            }
                        });
                    }
                }

                if (activities.Count > 0)
                {
                    var free = options.MaxConcurrentActivities - running.Count;
                    if (free > 0)
                    {
                        foreach (var t in await store.ClaimActivityTasksAsync(WorkerId, taskQueues, free, ct).ConfigureAwait(false))
                        {
                            StartActivity(t);
                        }

                        CrashPoints.Hit("claim-activities-after");
                    }
                }

                foreach (var expired in await store.GetExpiredActivitiesAsync(taskQueues, 100, ct).ConfigureAwait(false))
                {
                    await HandleExpiredAsync(expired).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Worker poll failed; retrying");
            }
            finally
            {
                Done();
            }

            Polled?.Invoke();
            try
            {
                await StoreNotifier.WaitAsync(watch, options.PollInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Ends one piece of work counted in <see cref="IsIdle"/>.</summary>
    private void Done()
    {
        if (Interlocked.Decrement(ref busy) == 0)
        {
            BecameIdle?.Invoke();
        }
    }

    /// <summary>
    /// Queues a workflow task for a run; at most one task per run runs at a time, and a request during one runs after it.
    /// Returns false when the worker no longer runs workflow tasks (shutting down).
    /// </summary>
    private bool Enqueue(string runId)
    {
        while (true)
        {
            if (inflight.TryAdd(runId, 0))
            {
                return QueueHeldRun(runId);
            }

            if (inflight.TryUpdate(runId, 1, 0) || (inflight.TryGetValue(runId, out var v) && v == 1))
            {
                return true;
            }
        }
    }

    /// <summary>Queues the workflow task of a run this worker holds in <c>inflight</c>; false (and the hold dropped) when shutting down.</summary>
    private bool QueueHeldRun(string runId)
    {
        Interlocked.Increment(ref busy);
        if (workflowQueue.Writer.TryWrite(runId))
        {
            return true;
        }

        inflight.TryRemove(runId, out _);
        Done();
        return false;
    }

    private async Task WorkflowTaskLoopAsync()
    {
        await foreach (var runId in workflowQueue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            while (true)
            {
                await ProcessRunAsync(runId).ConfigureAwait(false);
                if (inflight.TryRemove(new KeyValuePair<string, int>(runId, 0)))
                {
                    Done();
                    break;
                }

                inflight[runId] = 0;
            }
        }
    }

    private sealed class RunningActivity(ActivityTaskRecord task, CancellationTokenSource cancel)
    {
        public ActivityTaskRecord Task { get; } = task;

        public CancellationTokenSource Cancel { get; } = cancel;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? CancelReason { get; set; }

        public bool TimedOut { get; set; }
    }
}
