using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableDelivery.Engine.Client;

/// <summary>Options for <see cref="DurableClient"/>.</summary>
public sealed record DurableClientOptions
{
    /// <summary>Gets who the client acts for; recorded on signals, updates, cancellations and terminations.</summary>
    /// <value>The default is <c>&lt;user&gt;@&lt;host&gt;</c>.</value>
    public string Identity { get; init; } = $"{Environment.UserName}@{Environment.MachineName}";

    /// <summary>Gets the logger factory.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Gets the clock (virtual in the test environment).</summary>
    /// <value>The default is the system clock.</value>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// Gets how soon a wait (for a result, an update, a query) first re-checks the store when no wake-up arrives. Wake-ups
    /// end waits within a commit (in this process, and from other processes through the store's wake sockets); the re-check
    /// only covers a lost one, so it doubles after each one that found nothing, up to <see cref="MaxPollInterval"/>.
    /// </summary>
    /// <value>The default is 50 ms.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Gets the longest interval between a wait's re-checks of the store (see <see cref="PollInterval"/>): the most a lost
    /// wake-up can delay a wait, and what keeps thousands of waits from reading the store every 50 ms.
    /// </summary>
    /// <value>The default is 1 s.</value>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the payload limits.</summary>
    public EngineLimits Limits { get; init; } = new();
}

/// <summary>
/// Starts workflows and talks to them (signal, query, update, cancel, terminate, describe, history), like Temporal's
/// <c>TemporalClient</c>. It works directly on the store, so it works whether or not a worker runs in this process.
/// </summary>
public sealed partial class DurableClient : IAsyncDisposable
{
    /// <summary>A wait's re-check interval, from <see cref="DurableClientOptions.PollInterval"/> up to <see cref="DurableClientOptions.MaxPollInterval"/>.</summary>
    internal PollBackoff NewPollBackoff() => new(Options.PollInterval, Options.MaxPollInterval);

    private readonly bool ownsStore;

    internal DurableClient(IWorkflowStore store, DurableClientOptions options, bool ownsStore)
    {
        Store = store;
        Options = options;
        this.ownsStore = ownsStore;
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>Gets the client options.</summary>
    public DurableClientOptions Options { get; }

    /// <summary>Gets the logger factory.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Gets where the store lives.</summary>
    public string StoreLocation => Store.Location;

    internal IWorkflowStore Store { get; }

    /// <summary>Gets the workers running in this process on this client (updates to their cached runs are admitted in memory).</summary>
    internal IReadOnlyList<DurableWorker> LocalWorkers => localWorkers;

    private volatile DurableWorker[] localWorkers = [];

    /// <summary>Gets or sets a value indicating whether this client starts runs with random (version 4) run ids, as before session 8: the benchmark's A/B switch (<c>--random-run-ids</c>) and the cost test's baseline. Never set in the product.</summary>
    internal bool RandomRunIds { get; set; }

    /// <summary>
    /// A new run's id: a time-ordered UUID (RFC 9562 version 7), so that runs started together sort together. A run's
    /// history, activity and run rows are keyed by its run id, so in-flight runs write to the same few B-tree pages at the
    /// end of each index instead of a random page each: with random (version 4) ids, the SQLite writer wrote and
    /// synced one page per run per table at every commit (docs/benchmarks.md, session 8). Runs that a workflow
    /// starts itself (children, continue-as-new) get version 7 ids from the workflow's time and deterministic random
    /// source (<c>WorkflowInstance.NewRunId</c>).
    /// </summary>
    internal string NewRunId() => (RandomRunIds ? Guid.NewGuid() : Guid.CreateVersion7()).ToString();

    private readonly Lock workersLock = new();

    /// <summary>Updates admitted in memory and not yet finished, by update id (for <see cref="WorkflowHandle.TryWithdrawUpdateAsync"/>).</summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, LocalUpdate> AdmittedUpdates { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Drops the entries of withdrawn updates once there are more than 1,024 entries: they stay only so that a caller that
    /// gave up can still be told, by <see cref="WorkflowHandle.TryWithdrawUpdateAsync"/>, that nothing was applied.
    /// </summary>
    internal void ForgetWithdrawnUpdates()
    {
        const int Keep = 1024;
        if (AdmittedUpdates.Count <= Keep)
        {
            return;
        }

        foreach (var entry in AdmittedUpdates)
        {
            if (entry.Value.Outcome is { IsCompletedSuccessfully: true, Result: LocalUpdateState.Withdrawn })
            {
                AdmittedUpdates.TryRemove(entry);
            }
        }
    }

    internal void AttachWorker(DurableWorker worker)
    {
        lock (workersLock)
        {
            localWorkers = [.. localWorkers, worker];
        }
    }

    internal void DetachWorker(DurableWorker worker)
    {
        lock (workersLock)
        {
            localWorkers = [.. localWorkers.Where(w => !ReferenceEquals(w, worker))];
        }
    }

    /// <summary>Opens the embedded SQLite store in <paramref name="dataDir"/> (created if missing unless <paramref name="create"/> is false).</summary>
    /// <param name="dataDir">The data directory, e.g. <c>./.durable-delivery</c>.</param>
    /// <param name="options">Client options.</param>
    /// <param name="create">Whether to create the store if it does not exist.</param>
    /// <returns>The client.</returns>
    /// <exception cref="StoreException">No store exists (and <paramref name="create"/> is false), or the file is not a store.</exception>
    public static DurableClient Open(string dataDir, DurableClientOptions? options = null, bool create = true)
    {
        options ??= new DurableClientOptions();
        var store = SqliteWorkflowStore.Open(dataDir, create, options.TimeProvider);
        return new DurableClient(store, options, ownsStore: true);
    }

    /// <summary>Starts a workflow whose run method returns a value.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="workflowRunCall">The run call, <c>(MyWf wf) =&gt; wf.RunAsync(arg)</c>.</param>
    /// <param name="options">Id and task queue are required.</param>
    /// <returns>A handle to the run.</returns>
    public async Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(Expression<Func<TWorkflow, Task<TResult>>> workflowRunCall, WorkflowOptions options)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "workflow start");
        WorkflowSignalNames.RequireRun(method);
        var runId = await StartCoreAsync(WorkflowDefinition.NameOf(typeof(TWorkflow)), args, options).ConfigureAwait(false);
        return new WorkflowHandle<TWorkflow, TResult>(this, options.Id!, runId);
    }

    /// <summary>Starts a workflow whose run method returns no value.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <param name="workflowRunCall">The run call.</param>
    /// <param name="options">Id and task queue are required.</param>
    /// <returns>A handle to the run.</returns>
    public async Task<WorkflowHandle<TWorkflow>> StartWorkflowAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> workflowRunCall, WorkflowOptions options)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "workflow start");
        WorkflowSignalNames.RequireRun(method);
        var runId = await StartCoreAsync(WorkflowDefinition.NameOf(typeof(TWorkflow)), args, options).ConfigureAwait(false);
        return new WorkflowHandle<TWorkflow>(this, options.Id!, runId);
    }

    /// <summary>Starts a workflow by type name.</summary>
    /// <param name="workflowType">The workflow type name.</param>
    /// <param name="args">The run method's arguments.</param>
    /// <param name="options">Id and task queue are required.</param>
    /// <returns>A handle to the run.</returns>
    public async Task<WorkflowHandle> StartWorkflowAsync(string workflowType, IReadOnlyCollection<object?> args, WorkflowOptions options)
    {
        var runId = await StartCoreAsync(workflowType, args, options).ConfigureAwait(false);
        return new WorkflowHandle(this, options.Id!, runId);
    }

    /// <summary>Starts a workflow by type name with arguments given as a JSON array (the CLI's form).</summary>
    /// <param name="workflowType">The workflow type name.</param>
    /// <param name="argsJson">The run method's arguments as a JSON array.</param>
    /// <param name="options">Id and task queue are required.</param>
    /// <returns>A handle to the run.</returns>
    public async Task<WorkflowHandle> StartWorkflowJsonAsync(string workflowType, string argsJson, WorkflowOptions options)
    {
        var runId = await StartCoreJsonAsync(workflowType, argsJson, options).ConfigureAwait(false);
        return new WorkflowHandle(this, options.Id!, runId);
    }

    /// <summary>Starts a workflow and waits for its result.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="workflowRunCall">The run call.</param>
    /// <param name="options">Id and task queue are required.</param>
    /// <returns>The result.</returns>
    public async Task<TResult> ExecuteWorkflowAsync<TWorkflow, TResult>(Expression<Func<TWorkflow, Task<TResult>>> workflowRunCall, WorkflowOptions options)
    {
        var handle = await StartWorkflowAsync(workflowRunCall, options).ConfigureAwait(false);
        return await handle.GetResultAsync().ConfigureAwait(false);
    }

    /// <summary>Gets a handle to a workflow by id (the latest run, or <paramref name="runId"/>).</summary>
    /// <param name="workflowId">The workflow id.</param>
    /// <param name="runId">A run id, or null for the latest run.</param>
    /// <returns>The handle; nothing is checked until it is used.</returns>
    public WorkflowHandle GetWorkflowHandle(string workflowId, string? runId = null) => new(this, workflowId, runId);

    /// <summary>Gets a typed handle to a workflow by id.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <param name="workflowId">The workflow id.</param>
    /// <param name="runId">A run id, or null for the latest run.</param>
    /// <returns>The handle.</returns>
    public WorkflowHandle<TWorkflow> GetWorkflowHandle<TWorkflow>(string workflowId, string? runId = null) => new(this, workflowId, runId);

    /// <summary>Lists runs, newest first.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The runs.</returns>
    public async IAsyncEnumerable<WorkflowExecution> ListWorkflowsAsync(WorkflowListFilter? filter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        filter ??= new WorkflowListFilter();
        var runs = await Store.ListRunsAsync(
            new RunFilter { Status = filter.Status, WorkflowType = filter.WorkflowType, WorkflowIdPrefix = filter.WorkflowIdPrefix, Limit = filter.Limit },
            cancellationToken).ConfigureAwait(false);
        foreach (var r in runs)
        {
            yield return new WorkflowExecution
            {
                WorkflowId = r.WorkflowId, RunId = r.RunId, WorkflowType = r.WorkflowType, TaskQueue = r.TaskQueue, Status = r.Status, StartTime = r.StartTime, CloseTime = r.CloseTime,
                HistoryLength = r.LastEventId,
            };
        }
    }

    /// <summary>
    /// Lists the workers running on this store now (their process is alive), in the order they started. Like the pollers
    /// of Temporal's <c>DescribeTaskQueue</c>: an empty list means nothing will pick up new work until a worker starts.
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The worker ids (<c>&lt;host&gt;@&lt;pid&gt;-&lt;n&gt;</c>).</returns>
    public Task<IReadOnlyList<string>> ListWorkersAsync(CancellationToken cancellationToken = default) => Store.ListLiveWorkersAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (ownsStore)
        {
            await Store.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Task<string> StartCoreAsync(string workflowType, IReadOnlyCollection<object?> args, WorkflowOptions options) =>
        StartCoreJsonAsync(workflowType, PayloadConverter.SerializeArgs(args), options);

    private async Task<string> StartCoreJsonAsync(string workflowType, string argsJson, WorkflowOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Id))
        {
            throw new ArgumentException("WorkflowOptions.Id is required: give the workflow a stable, meaningful id (it is the start's idempotency key).");
        }

        if (string.IsNullOrWhiteSpace(options.TaskQueue))
        {
            throw new ArgumentException("WorkflowOptions.TaskQueue is required: name the task queue a worker serves.");
        }

        if (options.Id.Length > 1000)
        {
            throw new ArgumentException($"Workflow id is {options.Id.Length} characters; the limit is 1,000.");
        }

        CheckPayload(argsJson, $"arguments of workflow '{workflowType}'");
        var eager = options.RequestEagerStart && options.StartSignal is null ? localWorkers.FirstOrDefault(w => w.CanStartEagerly(options.TaskQueue, workflowType)) : null;
        var outcome = await Store.StartWorkflowAsync(
            new StartWorkflowRequest
            {
                WorkflowId = options.Id, RunId = NewRunId(), WorkflowType = workflowType, TaskQueue = options.TaskQueue, ArgsJson = argsJson,
                IdReusePolicy = options.IdReusePolicy, IdConflictPolicy = options.IdConflictPolicy, SignalWithStart = options.SignalEvent(Options.Identity),
                Identity = Options.Identity, RandomSeed = System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue), EagerWorkerId = eager?.WorkerId,
            },
            CancellationToken.None).ConfigureAwait(false);
        if (eager is not null && outcome.Started)
        {
            eager.StartEagerly(outcome.RunId);
        }

        return outcome.RunId;
    }

    internal void CheckPayload(string json, string what)
    {
        if (json.Length > Options.Limits.MaxPayloadBytes)
        {
            throw new ArgumentException($"The {what} are {json.Length:N0} bytes, over the {Options.Limits.MaxPayloadBytes:N0}-byte payload limit; pass a reference instead of the data.");
        }
    }
}
