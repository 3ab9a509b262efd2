namespace DurableDelivery.Server.History;

/// <summary>
/// A run's mutable state (Temporal's "mutable state"): what is pending, what the next event id is, what the workflow
/// task machine is doing. Serialized as JSON into the run's row in the same commit as the events it describes.
/// </summary>
/// <remarks>Times are Unix nanoseconds; durations milliseconds (0 = none).</remarks>
internal sealed class RunState
{
    public string Namespace { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string FirstRunId { get; set; } = "";
    public string WorkflowType { get; set; } = "";
    public string TaskQueue { get; set; } = "";
    public int Status { get; set; } = 1;
    public long StartTime { get; set; }
    public long ExecutionTime { get; set; }
    public long? CloseTime { get; set; }
    public long NextEventId { get; set; } = 1;
    public long PreviousStartedEventId { get; set; }
    public long HistorySize { get; set; }
    public long RunTimeoutMs { get; set; }
    public long ExecutionTimeoutMs { get; set; }
    public long TaskTimeoutMs { get; set; } = 10_000;
    public long? RunExpiry { get; set; }
    public long? ExecutionExpiry { get; set; }
    public long? FirstTaskBackoffUntil { get; set; }
    public int Attempt { get; set; } = 1;
    public string StartRequestId { get; set; } = "";
    public WftState? Wft { get; set; }
    public string? StickyQueue { get; set; }
    public long StickyScheduleToStartMs { get; set; }
    public Dictionary<long, ActivityState> Activities { get; set; } = [];
    public Dictionary<string, TimerState> Timers { get; set; } = [];
    public Dictionary<long, ChildState> Children { get; set; } = [];
    public List<byte[]> Buffered { get; set; } = [];
    public HashSet<string> SignalRequestIds { get; set; } = [];
    public int SignalCount { get; set; }
    public Dictionary<string, UpdateState> Updates { get; set; } = [];
    public bool CancelRequested { get; set; }
    public string? ParentNamespace { get; set; }
    public string? ParentWorkflowId { get; set; }
    public string? ParentRunId { get; set; }
    public long ParentInitiatedEventId { get; set; }
    public string RootWorkflowId { get; set; } = "";
    public string RootRunId { get; set; } = "";
    public Dictionary<string, byte[]> SearchAttributes { get; set; } = [];
    public Dictionary<string, byte[]> Memo { get; set; } = [];
    public byte[]? RetryPolicy { get; set; }
    public string? CronSchedule { get; set; }
    public string? NewRunId { get; set; }
    public long CloseEventId { get; set; }
    public int CompletedWorkflowTasks { get; set; }
}

/// <summary>The pending workflow task.</summary>
internal sealed class WftState
{
    public long ScheduledEventId { get; set; }
    public long StartedEventId { get; set; }
    public int Attempt { get; set; } = 1;
    public string TaskQueue { get; set; } = "";
    public bool Sticky { get; set; }
    public long ScheduledTime { get; set; }
    public long StartedTime { get; set; }

    /// <summary>Scheduled/Started events not persisted (attempt &gt; 1, or speculative); written at completion.
    /// </summary>
    public bool Transient { get; set; }

    /// <summary>Made for an update only: dropped without a trace when the worker only rejects.</summary>
    public bool Speculative { get; set; }
    public string? Identity { get; set; }
    public string? RequestId { get; set; }
    public long TimeoutMs { get; set; }
    public int Sequence { get; set; }
}

/// <summary>A scheduled activity.</summary>
internal sealed class ActivityState
{
    public long ScheduledEventId { get; set; }
    public string ActivityId { get; set; } = "";
    public string ActivityType { get; set; } = "";
    public string TaskQueue { get; set; } = "";
    public int Attempt { get; set; } = 1;
    public long ScheduledTime { get; set; }
    public long CurrentAttemptScheduledTime { get; set; }
    public long? StartedTime { get; set; }
    public string? StartedIdentity { get; set; }
    public string? RequestId { get; set; }
    public long ScheduleToCloseMs { get; set; }
    public long ScheduleToStartMs { get; set; }
    public long StartToCloseMs { get; set; }
    public long HeartbeatMs { get; set; }
    public byte[]? HeartbeatDetails { get; set; }
    public long? LastHeartbeatTime { get; set; }
    public byte[]? LastFailure { get; set; }
    public string? LastWorkerIdentity { get; set; }
    public bool CancelRequested { get; set; }
    public long CancelRequestedEventId { get; set; }
    public long? RetryAt { get; set; }
    public byte[] RetryPolicy { get; set; } = [];
}

/// <summary>A started user timer.</summary>
internal sealed class TimerState
{
    public string TimerId { get; set; } = "";
    public long StartedEventId { get; set; }
    public long FireTime { get; set; }
}

/// <summary>A child workflow the run started (or is starting).</summary>
internal sealed class ChildState
{
    public long InitiatedEventId { get; set; }
    public long StartedEventId { get; set; }
    public string Namespace { get; set; } = "";
    public string WorkflowId { get; set; } = "";
    public string? RunId { get; set; }
    public string WorkflowType { get; set; } = "";
    public int ParentClosePolicy { get; set; }
}

/// <summary>An accepted update (stored; outcome once completed).</summary>
internal sealed class UpdateState
{
    public long AcceptedEventId { get; set; }
    public long CompletedEventId { get; set; }
    public byte[]? Outcome { get; set; }
}
