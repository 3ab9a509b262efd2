namespace DurableDelivery.Server.Persistence;

/// <summary>
/// Everything one server operation changes, written in one SQLite transaction (group-committed with others). A caller
/// acknowledges its request only after the batch's commit.
/// </summary>
internal sealed class WriteBatch
{
    /// <summary>Run rows to insert or replace.</summary>
    public List<ExecutionRow> Executions { get; } = [];

    /// <summary>History events to append: run id, event id, serialized <c>HistoryEvent</c>.</summary>
    public List<(string RunId, long EventId, byte[] Data)> Events { get; } = [];

    /// <summary>Current-run pointers: namespace, workflow id, run id.</summary>
    public List<(string Namespace, string WorkflowId, string RunId)> CurrentRuns { get; } = [];

    /// <summary>Namespaces to insert or replace: name, id, serialized description.</summary>
    public List<(string Name, string Id, byte[] Data)> Namespaces { get; } = [];

    /// <summary>Custom search attributes to register: namespace, name, kind.</summary>
    public List<(string Namespace, string Name, int Kind)> SearchAttributes { get; } = [];

    /// <summary>Whether the batch writes nothing.</summary>
    public bool IsEmpty => Executions.Count == 0 && Events.Count == 0 && CurrentRuns.Count == 0
        && Namespaces.Count == 0 && SearchAttributes.Count == 0;
}
