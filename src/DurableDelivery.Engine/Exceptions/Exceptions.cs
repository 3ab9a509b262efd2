using DurableDelivery.Engine.Common;

namespace DurableDelivery.Engine.Exceptions;

/// <summary>Base of every exception the engine raises.</summary>
public class DurableException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DurableException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="inner">The inner exception.</param>
    protected internal DurableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Base of exceptions that represent a failure recorded in history (they fail a workflow or an update, not a task).</summary>
public class FailureException : DurableException
{
    /// <summary>Initializes a new instance of the <see cref="FailureException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="inner">The cause.</param>
    protected internal FailureException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Gets the failure as it was recorded, when this exception was rebuilt from history.</summary>
    public FailureInfo? Failure { get; init; }
}

/// <summary>
/// An application error. Thrown from a workflow it fails the workflow; thrown from an activity it fails the attempt
/// (retried unless <see cref="NonRetryable"/> or its <see cref="ErrorType"/> is listed as non-retryable).
/// </summary>
public class ApplicationFailureException : FailureException
{
    /// <summary>Initializes a new instance of the <see cref="ApplicationFailureException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="errorType">An error type that retry policies can match.</param>
    /// <param name="nonRetryable">True if the error must never be retried.</param>
    /// <param name="inner">The cause.</param>
    public ApplicationFailureException(string message, string? errorType = null, bool nonRetryable = false, Exception? inner = null)
        : base(message, inner)
    {
        ErrorType = errorType;
        NonRetryable = nonRetryable;
    }

    /// <summary>Gets the application error type.</summary>
    public string? ErrorType { get; }

    /// <summary>Gets a value indicating whether this error must never be retried.</summary>
    public bool NonRetryable { get; }
}

/// <summary>An activity failed after its retries; the cause is in <see cref="Exception.InnerException"/>.</summary>
public sealed class ActivityFailureException : FailureException
{
    internal ActivityFailureException(string activityType, long scheduledEventId, int attempts, Exception cause)
        : base($"Activity '{activityType}' failed after {attempts} attempt(s): {cause.Message}", cause)
    {
        ActivityType = activityType;
        ScheduledEventId = scheduledEventId;
        Attempts = attempts;
    }

    /// <summary>Gets the activity type.</summary>
    public string ActivityType { get; }

    /// <summary>Gets the id of the ActivityTaskScheduled event.</summary>
    public long ScheduledEventId { get; }

    /// <summary>Gets the number of attempts made.</summary>
    public int Attempts { get; }
}

/// <summary>A child workflow failed; the cause is in <see cref="Exception.InnerException"/>.</summary>
public sealed class ChildWorkflowFailureException : FailureException
{
    internal ChildWorkflowFailureException(string workflowId, string workflowType, Exception cause)
        : base($"Child workflow '{workflowId}' ({workflowType}) failed: {cause.Message}", cause)
    {
        WorkflowId = workflowId;
        WorkflowType = workflowType;
    }

    /// <summary>Gets the child's workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>Gets the child's workflow type.</summary>
    public string WorkflowType { get; }
}

/// <summary>Something was canceled (an activity, a timer, a child, the workflow).</summary>
public sealed class CanceledFailureException : FailureException
{
    internal CanceledFailureException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A timeout elapsed (an activity's start-to-close, schedule-to-close, schedule-to-start or heartbeat timeout).</summary>
public sealed class TimeoutFailureException : FailureException
{
    internal TimeoutFailureException(string message, string timeoutType)
        : base(message) => TimeoutType = timeoutType;

    /// <summary>Gets which timeout elapsed (StartToClose, ScheduleToClose, ScheduleToStart, Heartbeat).</summary>
    public string TimeoutType { get; }
}

/// <summary>A run was terminated.</summary>
public sealed class TerminatedFailureException : FailureException
{
    internal TerminatedFailureException(string message)
        : base(message)
    {
    }
}

/// <summary>Thrown by <see cref="Workflows.Workflow.CreateContinueAsNewException{TWorkflow}(System.Linq.Expressions.Expression{Func{TWorkflow, Task}}, Workflows.ContinueAsNewOptions?)"/>: throw it from the run method to continue as a new run.</summary>
public sealed class ContinueAsNewException : DurableException
{
    internal ContinueAsNewException(string workflowType, string argsJson, string? taskQueue)
        : base($"Continue as new run of '{workflowType}'")
    {
        WorkflowType = workflowType;
        ArgsJson = argsJson;
        TaskQueue = taskQueue;
    }

    /// <summary>Gets the workflow type of the next run.</summary>
    public string WorkflowType { get; }

    /// <summary>Gets the next run's arguments as a JSON array.</summary>
    public string ArgsJson { get; }

    /// <summary>Gets the task queue of the next run, or <c>null</c> for the same queue.</summary>
    public string? TaskQueue { get; }
}

/// <summary>Replayed workflow code produced a different command than the one recorded in history.</summary>
/// <remarks>The workflow task fails and is retried until the code is fixed; the workflow itself does not fail.</remarks>
public sealed class NondeterminismException : DurableException
{
    internal NondeterminismException(string message)
        : base(message)
    {
    }
}

/// <summary>Workflow code escaped the deterministic scheduler (Task.Run, Task.Delay, a thread-pool timer, ConfigureAwait(false)...).</summary>
public sealed class InvalidWorkflowSchedulerException : DurableException
{
    internal InvalidWorkflowSchedulerException(string message)
        : base(message)
    {
    }
}

/// <summary>A workflow-only API was called outside workflow code, or a workflow API was misused.</summary>
public sealed class InvalidWorkflowOperationException : DurableException
{
    internal InvalidWorkflowOperationException(string message)
        : base(message)
    {
    }
}

/// <summary>A start found a run with the same workflow id that the id policies do not allow to reuse.</summary>
public sealed class WorkflowAlreadyStartedException : DurableException
{
    internal WorkflowAlreadyStartedException(string workflowId, string runId, string reason)
        : base($"Workflow '{workflowId}' already exists (run {runId}): {reason}")
    {
        WorkflowId = workflowId;
        RunId = runId;
    }

    /// <summary>Gets the workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>Gets the existing run id.</summary>
    public string RunId { get; }
}

/// <summary>No workflow (or run) exists with the given id.</summary>
public sealed class WorkflowNotFoundException : DurableException
{
    internal WorkflowNotFoundException(string workflowId, string? runId)
        : base(runId is null
            ? $"Workflow '{workflowId}' not found; list workflows with 'ddctl workflow list'."
            : $"Run '{runId}' of workflow '{workflowId}' not found.")
    {
        WorkflowId = workflowId;
        RunId = runId;
    }

    /// <summary>Gets the workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>Gets the run id, if one was given.</summary>
    public string? RunId { get; }
}

/// <summary>The operation needs an open run, but the run is closed.</summary>
public sealed class WorkflowClosedException : DurableException
{
    internal WorkflowClosedException(string workflowId, WorkflowExecutionStatus status)
        : base($"Workflow '{workflowId}' is closed ({status}); signals, updates and cancellation need an open run.")
    {
        WorkflowId = workflowId;
        Status = status;
    }

    /// <summary>Gets the workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>Gets the run's status.</summary>
    public WorkflowExecutionStatus Status { get; }
}

/// <summary>A workflow closed without completing; see <see cref="Exception.InnerException"/> and <see cref="Status"/>.</summary>
public sealed class WorkflowFailedException : DurableException
{
    internal WorkflowFailedException(string workflowId, WorkflowExecutionStatus status, FailureInfo? failure, Exception? inner)
        : base($"Workflow '{workflowId}' closed as {status}" + (failure is null ? "." : $": {failure.Message}"), inner)
    {
        WorkflowId = workflowId;
        Status = status;
        Failure = failure;
    }

    /// <summary>Gets the workflow id.</summary>
    public string WorkflowId { get; }

    /// <summary>Gets how the workflow closed.</summary>
    public WorkflowExecutionStatus Status { get; }

    /// <summary>Gets the recorded failure, if any.</summary>
    public FailureInfo? Failure { get; }
}

/// <summary>An update was rejected by its validator or failed in its handler.</summary>
public sealed class WorkflowUpdateFailedException : DurableException
{
    internal WorkflowUpdateFailedException(string updateName, FailureInfo failure, bool rejected)
        : base(rejected ? $"Update '{updateName}' was rejected: {failure.Message}" : $"Update '{updateName}' failed: {failure.Message}")
    {
        UpdateName = updateName;
        Failure = failure;
        Rejected = rejected;
    }

    /// <summary>Gets the update name.</summary>
    public string UpdateName { get; }

    /// <summary>Gets the reported failure.</summary>
    public FailureInfo Failure { get; }

    /// <summary>Gets a value indicating whether the validator rejected the update (nothing was recorded).</summary>
    public bool Rejected { get; }
}

/// <summary>A query failed or was not answered.</summary>
public sealed class WorkflowQueryFailedException : DurableException
{
    internal WorkflowQueryFailedException(string message)
        : base(message)
    {
    }
}

/// <summary>The store is missing, of the wrong kind, or failed.</summary>
public sealed class StoreException : DurableException
{
    internal StoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>A history or payload limit was exceeded.</summary>
public sealed class HistoryLimitExceededException : DurableException
{
    internal HistoryLimitExceededException(string message)
        : base(message)
    {
    }
}
