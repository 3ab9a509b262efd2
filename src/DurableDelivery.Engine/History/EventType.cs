namespace DurableDelivery.Engine.History;

/// <summary>The kinds of history events, named and numbered as in Temporal (<c>temporal.api.enums.v1.EventType</c>); histories store the names.</summary>
public enum EventType
{
    /// <summary>The run started; carries the type, input and random seed.</summary>
    WorkflowExecutionStarted = 1,

    /// <summary>The run returned a result.</summary>
    WorkflowExecutionCompleted = 2,

    /// <summary>The run failed.</summary>
    WorkflowExecutionFailed = 3,

    /// <summary>The run timed out.</summary>
    WorkflowExecutionTimedOut = 4,

    /// <summary>Delimits one workflow task: the code ran having seen every event before this one.</summary>
    WorkflowTaskCompleted = 7,

    /// <summary>An activity was scheduled.</summary>
    ActivityTaskScheduled = 10,

    /// <summary>The attempt that finished the activity started (written together with its outcome, as in Temporal).</summary>
    ActivityTaskStarted = 11,

    /// <summary>An activity completed.</summary>
    ActivityTaskCompleted = 12,

    /// <summary>An activity failed after its retries.</summary>
    ActivityTaskFailed = 13,

    /// <summary>An activity timed out.</summary>
    ActivityTaskTimedOut = 14,

    /// <summary>The workflow asked an activity to cancel.</summary>
    ActivityTaskCancelRequested = 15,

    /// <summary>An activity was canceled.</summary>
    ActivityTaskCanceled = 16,

    /// <summary>A durable timer started.</summary>
    TimerStarted = 17,

    /// <summary>A durable timer fired.</summary>
    TimerFired = 18,

    /// <summary>A durable timer was canceled.</summary>
    TimerCanceled = 19,

    /// <summary>Cancellation of the run was requested.</summary>
    WorkflowExecutionCancelRequested = 20,

    /// <summary>The run was canceled.</summary>
    WorkflowExecutionCanceled = 21,

    /// <summary>The workflow asked another workflow (a child, or any by id) to cancel.</summary>
    RequestCancelExternalWorkflowExecutionInitiated = 22,

    /// <summary>A cancellation request to another workflow could not be delivered (no such open run).</summary>
    RequestCancelExternalWorkflowExecutionFailed = 23,

    /// <summary>A cancellation request to another workflow was delivered (added to the target's inbox).</summary>
    ExternalWorkflowExecutionCancelRequested = 24,

    /// <summary>A marker (e.g. a patch) was recorded.</summary>
    MarkerRecorded = 25,

    /// <summary>A signal was delivered.</summary>
    WorkflowExecutionSignaled = 26,

    /// <summary>The run was terminated.</summary>
    WorkflowExecutionTerminated = 27,

    /// <summary>The run continued as a new run.</summary>
    WorkflowExecutionContinuedAsNew = 28,

    /// <summary>A child workflow start was requested.</summary>
    StartChildWorkflowExecutionInitiated = 29,

    /// <summary>A child workflow could not start.</summary>
    StartChildWorkflowExecutionFailed = 30,

    /// <summary>A child workflow started.</summary>
    ChildWorkflowExecutionStarted = 31,

    /// <summary>A child workflow completed.</summary>
    ChildWorkflowExecutionCompleted = 32,

    /// <summary>A child workflow failed.</summary>
    ChildWorkflowExecutionFailed = 33,

    /// <summary>A child workflow was canceled.</summary>
    ChildWorkflowExecutionCanceled = 34,

    /// <summary>A child workflow timed out.</summary>
    ChildWorkflowExecutionTimedOut = 35,

    /// <summary>A child workflow was terminated.</summary>
    ChildWorkflowExecutionTerminated = 36,

    /// <summary>The workflow sent a signal to another workflow (a child, or any by id).</summary>
    SignalExternalWorkflowExecutionInitiated = 37,

    /// <summary>A signal to another workflow could not be delivered (no such open run).</summary>
    SignalExternalWorkflowExecutionFailed = 38,

    /// <summary>A signal to another workflow was delivered (added to the target's inbox).</summary>
    ExternalWorkflowExecutionSignaled = 39,

    /// <summary>An update passed its validator and was accepted.</summary>
    WorkflowExecutionUpdateAccepted = 41,

    /// <summary>An update's handler finished (with a result or a failure).</summary>
    WorkflowExecutionUpdateCompleted = 43,
}
