using DurableDelivery.Server.Persistence;
using Temporalio.Api.History.V1;

namespace DurableDelivery.Server.History;

/// <summary>
/// One engine operation's changes: touched runs, new events, and what to do once they are committed (hand tasks to
/// matching, wake waiters). Built under the engine lock, committed by the store's writer, then applied.
/// </summary>
internal sealed class Mutation
{
    /// <summary>Runs whose state changed.</summary>
    public HashSet<Run> Touched { get; } = [];

    /// <summary>Events added, in order.</summary>
    public List<(Run Run, HistoryEvent Event)> NewEvents { get; } = [];

    /// <summary>Each touched run's event count at flush time.</summary>
    public Dictionary<Run, int> EventCounts { get; } = [];

    /// <summary>Actions to run after the commit.</summary>
    public List<Action> AfterCommit { get; } = [];

    /// <summary>Extra writes (namespaces, current-run pointers).</summary>
    public WriteBatch Batch { get; } = new();

    /// <summary>Marks a run changed.</summary>
    public void Touch(Run run) => Touched.Add(run);

    /// <summary>Runs <paramref name="action"/> after the commit.</summary>
    public void Then(Action action) => AfterCommit.Add(action);
}
