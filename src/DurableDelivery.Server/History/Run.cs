using Temporalio.Api.History.V1;

namespace DurableDelivery.Server.History;

/// <summary>A run in memory: its persisted <see cref="RunState"/>, its history, and what lives only in memory
/// (admitted updates, waiting queries, history long polls), as in Temporal's server.</summary>
internal sealed class Run
{
    /// <summary>Creates the in-memory side of a run.</summary>
    public Run(RunState state, List<HistoryEvent> events)
    {
        S = state;
        Events = events;
        CommittedEvents = events.Count;
    }

    /// <summary>The persisted mutable state.</summary>
    public RunState S { get; }

    /// <summary>Every event of the run, in order (event id = index + 1), committed or about to be.</summary>
    public List<HistoryEvent> Events { get; }

    /// <summary>How many of <see cref="Events"/> are committed: the only ones reads may show.</summary>
    public int CommittedEvents { get; set; }

    /// <summary>Updates admitted but not yet accepted or rejected, in arrival order.</summary>
    public List<PendingUpdate> AdmittedUpdates { get; } = [];

    /// <summary>Updates delivered to the started workflow task.</summary>
    public List<PendingUpdate> DeliveredUpdates { get; } = [];

    /// <summary>Waiters for an update's stage, by update id.</summary>
    public Dictionary<string, List<TaskCompletionSource<bool>>> UpdateWaiters { get; } = [];

    /// <summary>Queries waiting for the run to have no workflow task in flight.</summary>
    public List<PendingQuery> WaitingQueries { get; } = [];

    /// <summary>Completed when the run's history or state changes (long polls), then replaced.</summary>
    public TaskCompletionSource Changed { get; set; } = NewSignal();

    /// <summary>Whether the run is still open.</summary>
    public bool IsOpen => S.Status == 1;

    /// <summary>Whether the workflow task is started.</summary>
    public bool WftStarted => S.Wft is { StartedEventId: > 0 };

    /// <summary>A fresh change signal.</summary>
    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An update the server holds in memory until the workflow accepts or rejects it.</summary>
internal sealed class PendingUpdate(Temporalio.Api.Update.V1.Request request)
{
    /// <summary>The request as sent by the client.</summary>
    public Temporalio.Api.Update.V1.Request Request { get; } = request;

    /// <summary>The update id.</summary>
    public string Id => Request.Meta.UpdateId;

    /// <summary>Resolved with the outcome when rejected (no history), or null when accepted.</summary>
    public TaskCompletionSource<Temporalio.Api.Update.V1.Outcome?> Resolved { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A query waiting for its answer.</summary>
internal sealed class PendingQuery(string id, Temporalio.Api.Query.V1.WorkflowQuery query)
{
    /// <summary>Server-made id, in the query task's token.</summary>
    public string Id { get; } = id;

    /// <summary>The query.</summary>
    public Temporalio.Api.Query.V1.WorkflowQuery Query { get; } = query;

    /// <summary>The worker's answer.</summary>
    public TaskCompletionSource<Temporalio.Api.WorkflowService.V1.RespondQueryTaskCompletedRequest> Answer { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether it was dispatched to a queue.</summary>
    public bool Dispatched { get; set; }

    /// <summary>Whether it went to the run's sticky queue (see <c>HistoryEngine.QueryAsync</c>: a sticky worker that does not answer in time loses stickiness).</summary>
    public bool Sticky { get; set; }
}
