namespace DurableDelivery.Server.History;

/// <summary>A workflow task in a queue: the run, and which scheduling of its task (stale ones are dropped).</summary>
internal sealed record WorkflowTaskRef(string RunId, int Sequence);

/// <summary>An activity task in a queue.</summary>
internal sealed record ActivityTaskRef(string RunId, long ScheduledEventId, int Attempt);

/// <summary>A legacy query task in a workflow task queue.</summary>
internal sealed record QueryTaskRef(string RunId, string QueryId);
