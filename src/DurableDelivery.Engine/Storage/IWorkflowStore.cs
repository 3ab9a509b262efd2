using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Engine.Storage;

/// <summary>
/// Everything the engine persists. One interface, several implementations (SQLite now, PostgreSQL next), one
/// conformance suite. See Storage/README.md for the invariants every implementation keeps.
/// </summary>
internal interface IWorkflowStore : IAsyncDisposable
{
    /// <summary>Gets the clock every stored time is read from (virtual in the test environment).</summary>
    TimeProvider Time { get; }

    /// <summary>Gets the in-process wake-up channel (commits pulse keys; other processes poll).</summary>
    StoreNotifier Notifier { get; }

    /// <summary>Gets a description of where the store lives, for messages.</summary>
    string Location { get; }

    // ---- client side ----
    Task<StartOutcome> StartWorkflowAsync(StartWorkflowRequest request, CancellationToken ct);

    Task SignalAsync(string workflowId, string? runId, HistoryEvent signal, CancellationToken ct);

    Task RequestCancelAsync(string workflowId, string? runId, string reason, string identity, CancellationToken ct);

    Task TerminateAsync(string workflowId, string? runId, string reason, string identity, CancellationToken ct);

    Task<UpdateRecord> SubmitUpdateAsync(string workflowId, string? runId, string updateId, string name, string argsJson, string identity, CancellationToken ct);

    Task<UpdateRecord?> GetUpdateAsync(string updateId, CancellationToken ct);

    /// <summary>
    /// Removes an update that no workflow task has taken yet (still requested, its inbox item unconsumed) and makes any
    /// workflow task in flight for the run fail its commit (version bump), so that it is never applied. False when a
    /// worker already accepted, rejected or completed it (or there is no such update).
    /// </summary>
    Task<bool> WithdrawUpdateAsync(string updateId, CancellationToken ct);

    Task<long> SubmitQueryAsync(string runId, string name, string argsJson, CancellationToken ct);

    Task<QueryRecord?> GetQueryAsync(long queryId, CancellationToken ct);

    Task DeleteQueryAsync(long queryId, CancellationToken ct);

    Task<RunRecord?> GetRunAsync(string workflowId, string? runId, CancellationToken ct);

    Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string runId, long afterEventId, CancellationToken ct);

    Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunFilter filter, CancellationToken ct);

    Task<IReadOnlyList<ActivityTaskRecord>> GetActivitiesAsync(string runId, CancellationToken ct);

    Task UpsertWorkflowTypesAsync(IReadOnlyList<WorkflowTypeRecord> types, CancellationToken ct);

    Task<WorkflowTypeRecord?> GetWorkflowTypeAsync(string name, CancellationToken ct);

    // ---- worker side ----
    Task RegisterWorkerAsync(string workerId, CancellationToken ct);

    Task UnregisterWorkerAsync(string workerId, CancellationToken ct);

    /// <summary>The ids of the workers whose process is alive (it holds its lock file), this process's own included.</summary>
    Task<IReadOnlyList<string>> ListLiveWorkersAsync(CancellationToken ct);

    /// <summary>Releases what dead workers owned so that live ones can resume it. Returns how many workers were reaped.</summary>
    Task<int> ReapDeadWorkersAsync(string selfId, CancellationToken ct);

    Task<IReadOnlyList<string>> ClaimReadyWorkflowsAsync(string workerId, IReadOnlyCollection<string> taskQueues, int limit, CancellationToken ct);

    Task<WorkflowTaskInput?> LoadWorkflowTaskAsync(string runId, long afterEventId, CancellationToken ct);

    Task<CommitOutcome> CommitWorkflowTaskAsync(WorkflowTaskCommit commit, CancellationToken ct);

    Task FailWorkflowTaskAsync(string runId, string workerId, FailureInfo failure, DateTimeOffset retryAt, CancellationToken ct);

    /// <summary>Gives up ownership of a run (cache eviction, shutdown) so that another worker may take it.</summary>
    Task ReleaseWorkflowsAsync(string workerId, IReadOnlyCollection<string>? runIds, CancellationToken ct);

    Task<IReadOnlyList<ActivityTaskRecord>> ClaimActivityTasksAsync(string workerId, IReadOnlyCollection<string> taskQueues, int limit, CancellationToken ct);

    /// <summary>
    /// Records an activity's final outcome into its workflow's inbox. When <paramref name="localWorker"/> owns the run, the
    /// run is not marked ready (that worker runs the next task itself; if it dies, reaping marks it ready).
    /// </summary>
    Task<ActivityResolution> ResolveActivityAsync(ActivityKey key, int attempt, HistoryEvent outcome, string? localWorker, CancellationToken ct);

    /// <summary>Schedules the next attempt of an activity. False if the attempt no longer owns the task.</summary>
    Task<bool> RetryActivityAsync(ActivityKey key, int attempt, FailureInfo failure, DateTimeOffset visibleAt, CancellationToken ct);

    Task<HeartbeatOutcome> HeartbeatActivityAsync(ActivityKey key, int attempt, string? detailsJson, DateTimeOffset? newDeadline, CancellationToken ct);

    /// <summary>Activities whose attempt deadline or schedule-to-start limit has passed.</summary>
    Task<IReadOnlyList<ActivityTaskRecord>> GetExpiredActivitiesAsync(IReadOnlyCollection<string> taskQueues, int limit, CancellationToken ct);

    Task<IReadOnlyList<QueryRecord>> ClaimQueriesAsync(string workerId, IReadOnlyCollection<string> workflowTypes, int limit, CancellationToken ct);

    Task AnswerQueryAsync(long queryId, string? resultJson, FailureInfo? failure, CancellationToken ct);

    /// <summary>The earliest future time at which work becomes due (timers, retries, timeouts), for time skipping.</summary>
    Task<DateTimeOffset?> NextDueTimeAsync(CancellationToken ct);

    /// <summary>Whether any work is due now (ready workflows, visible activities, expired deadlines, queries).</summary>
    Task<bool> HasDueWorkAsync(CancellationToken ct);
}
