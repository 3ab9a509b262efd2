using DurableDelivery.Engine.Common;

namespace DurableDelivery.Engine.Client;

/// <summary>One run, as listed.</summary>
public record WorkflowExecution
{
    /// <summary>Gets the workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>Gets the run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Gets the workflow type.</summary>
    public required string WorkflowType { get; init; }

    /// <summary>Gets the task queue.</summary>
    public required string TaskQueue { get; init; }

    /// <summary>Gets the status.</summary>
    public WorkflowExecutionStatus Status { get; init; }

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>Gets when the run closed, if it did.</summary>
    public DateTimeOffset? CloseTime { get; init; }

    /// <summary>Gets the number of history events.</summary>
    public long HistoryLength { get; init; }
}

/// <summary>One run in detail: status, outcome, what it waits for and why it is stuck, if it is.</summary>
public sealed record WorkflowExecutionDescription : WorkflowExecution
{
    /// <summary>Gets the history size in bytes.</summary>
    public long HistorySizeBytes { get; init; }

    /// <summary>Gets the result (JSON), if the run completed.</summary>
    public string? ResultJson { get; init; }

    /// <summary>Gets the failure, if the run failed, was canceled or terminated.</summary>
    public FailureInfo? Failure { get; init; }

    /// <summary>Gets the last workflow task failure (non-determinism, a bug): the run waits until the code is fixed.</summary>
    public FailureInfo? LastWorkflowTaskFailure { get; init; }

    /// <summary>Gets how many workflow task attempts failed in a row.</summary>
    public int WorkflowTaskAttempts { get; init; }

    /// <summary>Gets the activities that are scheduled or running.</summary>
    public IReadOnlyList<PendingActivityInfo> PendingActivities { get; init; } = [];

    /// <summary>Gets the parent's workflow id, for a child.</summary>
    public string? ParentWorkflowId { get; init; }

    /// <summary>Gets the run this one continued from.</summary>
    public string? ContinuedFromRunId { get; init; }

    /// <summary>Gets the run this one continued as.</summary>
    public string? ContinuedAsNewRunId { get; init; }

    /// <summary>Gets the worker that owns the run, if any.</summary>
    public string? Owner { get; init; }
}

/// <summary>An activity that is scheduled or running.</summary>
public sealed record PendingActivityInfo
{
    /// <summary>Gets the activity id (the id of its scheduled event).</summary>
    public required string ActivityId { get; init; }

    /// <summary>Gets the activity type.</summary>
    public required string ActivityType { get; init; }

    /// <summary>Gets the state: Scheduled, Started or CancelRequested.</summary>
    public required string State { get; init; }

    /// <summary>Gets the current attempt.</summary>
    public int Attempt { get; init; }

    /// <summary>Gets the last attempt's failure.</summary>
    public FailureInfo? LastFailure { get; init; }

    /// <summary>Gets the last heartbeat time.</summary>
    public DateTimeOffset? LastHeartbeat { get; init; }

    /// <summary>Gets the last heartbeat's details (JSON array).</summary>
    public string? HeartbeatDetailsJson { get; init; }

    /// <summary>Gets the worker running the attempt.</summary>
    public string? Worker { get; init; }
}

/// <summary>A filter for <see cref="DurableClient.ListWorkflowsAsync"/>.</summary>
public sealed record WorkflowListFilter
{
    /// <summary>Gets the status to keep.</summary>
    public WorkflowExecutionStatus? Status { get; init; }

    /// <summary>Gets the workflow type to keep.</summary>
    public string? WorkflowType { get; init; }

    /// <summary>Gets the workflow id prefix to keep (ids are hierarchical: <c>delivery/prod/</c>).</summary>
    public string? WorkflowIdPrefix { get; init; }

    /// <summary>Gets the most runs to return, newest first.</summary>
    /// <value>The default is 100.</value>
    public int Limit { get; init; } = 100;
}
