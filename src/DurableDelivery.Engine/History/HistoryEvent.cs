using System.Text.Json.Serialization;
using DurableDelivery.Engine.Common;

namespace DurableDelivery.Engine.History;

/// <summary>One event of a run's history. Attributes that do not apply to the event type are null.</summary>
public sealed record HistoryEvent
{
    /// <summary>Gets the event's position in the run's history, starting at 1.</summary>
    public long EventId { get; init; }

    /// <summary>Gets the event type.</summary>
    public EventType EventType { get; init; }

    /// <summary>Gets when the event was recorded (for <see cref="EventType.WorkflowTaskCompleted"/>: the time the code saw as <c>Workflow.UtcNow</c>).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the name: workflow type, activity type, signal, update, query, marker or timer summary.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    /// <summary>Gets the payload: input arguments (JSON array) or result (JSON value).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Payload { get; init; }

    /// <summary>Gets the failure, for failed, timed-out and canceled events.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FailureInfo? Failure { get; init; }

    /// <summary>Gets the id of the event that scheduled what this event resolves (activity, timer, child, external signal or cancel, update acceptance).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ScheduledEventId { get; init; }

    /// <summary>Gets the attempt number (activities).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Attempt { get; init; }

    /// <summary>Gets the duration (timers, activity timeouts).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets who caused the event: a worker identity, a user, the CLI.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Identity { get; init; }

    /// <summary>Gets the update id (update events) or a request id.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RequestId { get; init; }

    /// <summary>Gets the related workflow id (child workflows, the target of an external signal or cancel, the sender of a signal from a workflow).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? WorkflowId { get; init; }

    /// <summary>Gets the related run id (child workflows, continue-as-new, external signals and cancels).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RunId { get; init; }

    /// <summary>Gets the task queue (workflow start, activities, children).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TaskQueue { get; init; }

    /// <summary>Gets extra JSON attributes: activity or child options, the random seed, the reason of a termination.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Details { get; init; }

    /// <summary>Gets a value indicating whether the workflow code produces this event (a command) rather than receives it.</summary>
    [JsonIgnore]
    public bool IsCommand => EventType is EventType.ActivityTaskScheduled or EventType.ActivityTaskCancelRequested
        or EventType.TimerStarted or EventType.TimerCanceled or EventType.MarkerRecorded
        or EventType.StartChildWorkflowExecutionInitiated or EventType.RequestCancelExternalWorkflowExecutionInitiated
        or EventType.SignalExternalWorkflowExecutionInitiated or EventType.WorkflowExecutionUpdateCompleted
        or EventType.WorkflowExecutionCompleted or EventType.WorkflowExecutionFailed
        or EventType.WorkflowExecutionCanceled or EventType.WorkflowExecutionContinuedAsNew;

    /// <summary>Gets a short description of the event for messages: <c>#7 ActivityTaskScheduled(Greet)</c>.</summary>
    [JsonIgnore]
    public string Summary => Name is null ? $"#{EventId} {EventType}" : $"#{EventId} {EventType}({Name})";
}
