using DurableDelivery.Engine.Common;

namespace DurableDelivery.Engine.Workflows;

/// <summary>Options for one activity call from a workflow.</summary>
/// <remarks>Either <see cref="StartToCloseTimeout"/> or <see cref="ScheduleToCloseTimeout"/> must be set, as in Temporal.</remarks>
public sealed record ActivityOptions
{
    /// <summary>Gets the limit on one attempt, from its start to its end.</summary>
    /// <value>The default is <c>null</c> (then <see cref="ScheduleToCloseTimeout"/> bounds each attempt).</value>
    public TimeSpan? StartToCloseTimeout { get; init; }

    /// <summary>Gets the limit on all attempts together, retries included.</summary>
    /// <value>The default is <c>null</c>: unlimited.</value>
    public TimeSpan? ScheduleToCloseTimeout { get; init; }

    /// <summary>Gets the limit on how long the task may wait for a worker. Not retried when it elapses.</summary>
    /// <value>The default is <c>null</c>: unlimited.</value>
    public TimeSpan? ScheduleToStartTimeout { get; init; }

    /// <summary>Gets the longest allowed gap between heartbeats. Needed for the activity to learn of cancellation promptly.</summary>
    /// <value>The default is <c>null</c>: no heartbeat timeout.</value>
    public TimeSpan? HeartbeatTimeout { get; init; }

    /// <summary>Gets the retry policy.</summary>
    /// <value>The default is <c>null</c>: <see cref="RetryPolicy"/> defaults (retry forever with backoff).</value>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>Gets the task queue the activity runs on.</summary>
    /// <value>The default is <c>null</c>: the workflow's task queue.</value>
    public string? TaskQueue { get; init; }

    /// <summary>Gets how the workflow waits when it cancels the activity.</summary>
    /// <value>The default is <see cref="ActivityCancellationType.TryCancel"/>.</value>
    public ActivityCancellationType CancellationType { get; init; }

    /// <summary>Gets the token that cancels the activity.</summary>
    /// <value>The default is <c>null</c>: <see cref="Workflow.CancellationToken"/>.</value>
    public CancellationToken? CancellationToken { get; init; }

    /// <summary>Gets a short summary shown in the UI and CLI next to the activity.</summary>
    public string? Summary { get; init; }
}

/// <summary>Options for a child workflow.</summary>
public sealed record ChildWorkflowOptions
{
    /// <summary>Gets the child's workflow id.</summary>
    /// <value>The default is <c>null</c>: the parent's id plus a deterministic suffix.</value>
    public string? Id { get; init; }

    /// <summary>Gets the child's task queue.</summary>
    /// <value>The default is <c>null</c>: the parent's task queue.</value>
    public string? TaskQueue { get; init; }

    /// <summary>Gets what happens to the child when the parent closes.</summary>
    /// <value>The default is <see cref="Common.ParentClosePolicy.Terminate"/>.</value>
    public ParentClosePolicy ParentClosePolicy { get; init; }

    /// <summary>Gets the token that cancels the child.</summary>
    /// <value>The default is <c>null</c>: <see cref="Workflow.CancellationToken"/>.</value>
    public CancellationToken? CancellationToken { get; init; }
}

/// <summary>Options for continue-as-new.</summary>
public sealed record ContinueAsNewOptions
{
    /// <summary>Gets the task queue of the next run.</summary>
    /// <value>The default is <c>null</c>: the current task queue.</value>
    public string? TaskQueue { get; init; }
}

/// <summary>What a workflow knows about its own run.</summary>
public sealed record WorkflowInfo
{
    /// <summary>Gets the workflow id.</summary>
    public required string WorkflowId { get; init; }

    /// <summary>Gets the run id.</summary>
    public required string RunId { get; init; }

    /// <summary>Gets the workflow type name.</summary>
    public required string WorkflowType { get; init; }

    /// <summary>Gets the task queue.</summary>
    public required string TaskQueue { get; init; }

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>Gets the run id this run continued from, if any.</summary>
    public string? ContinuedRunId { get; init; }

    /// <summary>Gets the parent workflow id, for child workflows.</summary>
    public string? ParentWorkflowId { get; init; }
}
