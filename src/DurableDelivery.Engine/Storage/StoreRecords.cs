using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Engine.Storage;

internal sealed record StartWorkflowRequest
{
    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public required string ArgsJson { get; init; }

    public WorkflowIdReusePolicy IdReusePolicy { get; init; }

    public WorkflowIdConflictPolicy IdConflictPolicy { get; init; }

    public HistoryEvent? SignalWithStart { get; init; }

    public string Identity { get; init; } = "client";

    /// <summary>Gets the worker that takes the first workflow task itself (eager start): the new run is created owned by it, not ready.</summary>
    public string? EagerWorkerId { get; init; }

    public long RandomSeed { get; init; }

    public string? FirstRunId { get; init; }

    public string? ContinuedRunId { get; init; }
}

internal sealed record StartOutcome(string RunId, bool Started);

internal sealed record RunRecord
{
    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public WorkflowExecutionStatus Status { get; init; }

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset? CloseTime { get; init; }

    public string? ResultJson { get; init; }

    public FailureInfo? Failure { get; init; }

    public long LastEventId { get; init; }

    public long HistorySize { get; init; }

    public long Version { get; init; }

    public string? Owner { get; init; }

    public FailureInfo? TaskFailure { get; init; }

    public int TaskAttempt { get; init; }

    public string? ParentWorkflowId { get; init; }

    public string? ParentRunId { get; init; }

    public string? ContinuedRunId { get; init; }

    public string? NextRunId { get; init; }

    public DateTimeOffset? ReadyAt { get; init; }
}

internal sealed record RunFilter
{
    public WorkflowExecutionStatus? Status { get; init; }

    public string? WorkflowType { get; init; }

    public string? WorkflowIdPrefix { get; init; }

    public int Limit { get; init; } = 100;
}

internal sealed record InboxItem(long Id, HistoryEvent Event);

internal sealed record DueTimer(long StartedEventId, DateTimeOffset FireAt);

internal sealed record WorkflowTaskInput
{
    public required RunRecord Run { get; init; }

    public required IReadOnlyList<HistoryEvent> History { get; init; }

    public required IReadOnlyList<InboxItem> Inbox { get; init; }

    public required IReadOnlyList<DueTimer> DueTimers { get; init; }

    public required DateTimeOffset Now { get; init; }
}

internal readonly record struct ActivityKey(string RunId, long ScheduledEventId);

internal sealed record NewActivity
{
    public required long ScheduledEventId { get; init; }

    public required string ActivityType { get; init; }

    public required string TaskQueue { get; init; }

    public required string ArgsJson { get; init; }

    public required ActivityOptionsRecord Options { get; init; }

    /// <summary>Gets <see cref="Options"/> as JSON when the caller already has it (the scheduled event's details), so the store does not serialize it again.</summary>
    public string? OptionsJson { get; init; }

    /// <summary>Claimed by the committing worker in the same transaction (eager dispatch).</summary>
    public bool Eager { get; init; }
}

/// <summary>The serializable part of <see cref="Workflows.ActivityOptions"/>.</summary>
internal sealed record ActivityOptionsRecord
{
    public TimeSpan? StartToClose { get; init; }

    public TimeSpan? ScheduleToClose { get; init; }

    public TimeSpan? ScheduleToStart { get; init; }

    public TimeSpan? Heartbeat { get; init; }

    public RetryPolicy? RetryPolicy { get; init; }

    public string? Summary { get; init; }

    /// <summary>The per-attempt limit: start-to-close, else schedule-to-close.</summary>
    public TimeSpan AttemptTimeout => StartToClose ?? ScheduleToClose ?? TimeSpan.FromDays(3650);
}

internal sealed record ActivityTaskRecord
{
    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string WorkflowType { get; init; }

    public required long ScheduledEventId { get; init; }

    public required string ActivityType { get; init; }

    public required string TaskQueue { get; init; }

    public required string ArgsJson { get; init; }

    public required ActivityOptionsRecord Options { get; init; }

    public int Attempt { get; init; }

    public DateTimeOffset ScheduledTime { get; init; }

    public DateTimeOffset? AttemptStartedTime { get; init; }

    public DateTimeOffset? Deadline { get; init; }

    public string? Owner { get; init; }

    public string? HeartbeatDetails { get; init; }

    public DateTimeOffset? LastHeartbeat { get; init; }

    public bool CancelRequested { get; init; }

    public FailureInfo? LastFailure { get; init; }

    public ActivityKey Key => new(RunId, ScheduledEventId);
}

internal sealed record HeartbeatOutcome(bool Owned, bool CancelRequested);

internal readonly record struct ResolvedActivity(long ScheduledEventId, int Attempt);

internal sealed record NewTimer(long StartedEventId, DateTimeOffset FireAt);

internal enum UpdateState
{
    Requested = 0,
    Accepted = 1,
    Rejected = 2,
    Completed = 3,
}

internal sealed record UpdateRecord
{
    public required string UpdateId { get; init; }

    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string Name { get; init; }

    public UpdateState State { get; init; }

    public string? ResultJson { get; init; }

    public FailureInfo? Failure { get; init; }
}

internal sealed record UpdateResolution(string UpdateId, UpdateState State, string? ResultJson, FailureInfo? Failure)
{
    /// <summary>
    /// Gets the update's record to create, for an update admitted in memory (never in the store's inbox): the commit inserts
    /// it, and conflicts if the update id is already taken (a caller retried it through the store meanwhile).
    /// </summary>
    public AdmittedUpdate? Admitted { get; init; }
}

/// <summary>What the store records of an update admitted in memory when the workflow task that accepts it commits.</summary>
internal sealed record AdmittedUpdate(string WorkflowId, string Name, DateTimeOffset Received);

internal sealed record QueryRecord
{
    public long Id { get; init; }

    public required string RunId { get; init; }

    public required string Name { get; init; }

    public required string ArgsJson { get; init; }

    public bool Answered { get; init; }

    public string? ResultJson { get; init; }

    public FailureInfo? Failure { get; init; }
}

internal sealed record ChildStart
{
    public required long InitiatedEventId { get; init; }

    public required string WorkflowId { get; init; }

    public required string RunId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public required string ArgsJson { get; init; }

    public ParentClosePolicy ParentClosePolicy { get; init; }

    public long RandomSeed { get; init; }
}

/// <summary>
/// A signal or cancellation request from a workflow to another workflow (<c>SignalExternalWorkflowExecutionInitiated</c> or
/// <c>RequestCancelExternalWorkflowExecutionInitiated</c>). The store delivers it to the target's inbox and records the
/// outcome in the sender's inbox, in the transaction that appends the initiating event: it is sent exactly once.
/// </summary>
internal sealed record ExternalRequest
{
    /// <summary>Gets the id of the initiating event in the sender's history; the outcome event refers to it.</summary>
    public required long InitiatedEventId { get; init; }

    public required string WorkflowId { get; init; }

    /// <summary>Gets the target run, or null for the workflow's open run.</summary>
    public string? RunId { get; init; }

    /// <summary>Gets a value indicating whether the target must be a child of the sender (child handles).</summary>
    public bool ChildWorkflowOnly { get; init; }

    /// <summary>Gets the signal name, or null for a cancellation request.</summary>
    public string? SignalName { get; init; }

    public string? ArgsJson { get; init; }

    /// <summary>Gets the reason recorded with a cancellation request.</summary>
    public string? Reason { get; init; }
}

internal sealed record RunClose
{
    public required WorkflowExecutionStatus Status { get; init; }

    public string? ResultJson { get; init; }

    public FailureInfo? Failure { get; init; }

    /// <summary>For continue-as-new: the next run.</summary>
    public StartWorkflowRequest? NextRun { get; init; }
}

internal sealed record WorkflowTaskCommit
{
    public required string RunId { get; init; }

    public required string WorkerId { get; init; }

    public required long ExpectedVersion { get; init; }

    public required IReadOnlyList<HistoryEvent> NewEvents { get; init; }

    public long NewEventsSize { get; init; }

    public IReadOnlyList<long> ConsumedInbox { get; init; } = [];

    /// <summary>
    /// Activity attempts of the committing worker whose outcomes are among <see cref="NewEvents"/> (they never went
    /// through the inbox). The commit deletes them, and conflicts if any is no longer that attempt.
    /// </summary>
    public IReadOnlyList<ResolvedActivity> ResolvedActivities { get; init; } = [];

    public IReadOnlyList<long> FiredTimers { get; init; } = [];

    public IReadOnlyList<NewTimer> NewTimers { get; init; } = [];

    public IReadOnlyList<long> CanceledTimers { get; init; } = [];

    public IReadOnlyList<NewActivity> NewActivities { get; init; } = [];

    public IReadOnlyList<long> CancelActivities { get; init; } = [];

    public IReadOnlyList<UpdateResolution> Updates { get; init; } = [];

    public IReadOnlyList<ChildStart> ChildStarts { get; init; } = [];

    /// <summary>Signals and cancellation requests to other workflows, in the order the code issued them.</summary>
    public IReadOnlyList<ExternalRequest> ExternalRequests { get; init; } = [];

    public RunClose? Close { get; init; }
}

internal sealed record CommitOutcome(bool Committed, long NewVersion, bool MoreWork, IReadOnlyList<ActivityTaskRecord> ClaimedActivities)
{
    public static CommitOutcome Conflict { get; } = new(false, 0, false, []);
}

/// <summary>The names a workflow type answers to, registered by workers so that the CLI can check names without the code.</summary>
internal sealed record WorkflowTypeRecord
{
    public required string Name { get; init; }

    public IReadOnlyList<string> Signals { get; init; } = [];

    public IReadOnlyList<string> Queries { get; init; } = [];

    public IReadOnlyList<string> Updates { get; init; } = [];

    public int RunParameterCount { get; init; }
}

internal enum ActivityResolution
{
    /// <summary>The attempt no longer owns the task (timed out, retried elsewhere, or the run closed).</summary>
    Stale = 0,

    /// <summary>Recorded; the run was marked ready for any worker.</summary>
    Resolved = 1,

    /// <summary>Recorded; the calling worker owns the run and must run its next task.</summary>
    ResolvedLocal = 2,
}
