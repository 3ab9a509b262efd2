namespace DurableDelivery.Engine.Common;

/// <summary>What a start does when a <em>closed</em> run with the same workflow id exists.</summary>
public enum WorkflowIdReusePolicy
{
    /// <summary>Start a new run whatever the closed run's outcome (the default, as in Temporal).</summary>
    AllowDuplicate = 0,

    /// <summary>Start a new run only if the last run did not complete successfully.</summary>
    AllowDuplicateFailedOnly = 1,

    /// <summary>Never reuse the id.</summary>
    RejectDuplicate = 2,
}

/// <summary>What a start does when an <em>open</em> run with the same workflow id exists.</summary>
public enum WorkflowIdConflictPolicy
{
    /// <summary>Fail with <see cref="Exceptions.WorkflowAlreadyStartedException"/> (the default).</summary>
    Fail = 0,

    /// <summary>Return a handle to the open run instead of starting a new one.</summary>
    UseExisting = 1,

    /// <summary>Terminate the open run and start a new one.</summary>
    TerminateExisting = 2,
}

/// <summary>The status of a workflow run.</summary>
public enum WorkflowExecutionStatus
{
    /// <summary>The run is open.</summary>
    Running = 1,

    /// <summary>The run returned a result.</summary>
    Completed = 2,

    /// <summary>The run failed with a failure exception.</summary>
    Failed = 3,

    /// <summary>The run was canceled.</summary>
    Canceled = 4,

    /// <summary>The run was terminated.</summary>
    Terminated = 5,

    /// <summary>The run continued as a new run with the same workflow id.</summary>
    ContinuedAsNew = 6,

    /// <summary>The run exceeded its execution or run timeout.</summary>
    TimedOut = 7,
}

/// <summary>What happens to a child workflow when its parent closes.</summary>
public enum ParentClosePolicy
{
    /// <summary>Terminate the child (the default, as in Temporal).</summary>
    Terminate = 0,

    /// <summary>Request cancellation of the child.</summary>
    RequestCancel = 1,

    /// <summary>Leave the child running.</summary>
    Abandon = 2,
}

/// <summary>How a workflow waits when it cancels an activity.</summary>
public enum ActivityCancellationType
{
    /// <summary>Request cancellation and resolve the activity as canceled at once (the default).</summary>
    TryCancel = 0,

    /// <summary>Request cancellation and wait until the activity acknowledges it.</summary>
    WaitCancellationCompleted = 1,

    /// <summary>Resolve as canceled at once and do not tell the activity.</summary>
    Abandon = 2,
}
