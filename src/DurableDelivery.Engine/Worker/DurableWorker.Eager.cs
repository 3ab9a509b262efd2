using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Engine.Worker;

/// <summary>
/// Eager starts, and updates admitted in memory. An update sent by a client of this process to a run whose live instance this worker holds
/// does not go through the store's inbox: it joins the run's next workflow task, whose validator accepts or rejects it, and
/// is written once, accepted, in that task's commit. This is Temporal's model: the server admits an update in memory and
/// writes nothing until a worker accepts it (<c>WorkflowExecutionUpdateAccepted</c>); a rejected one leaves no trace; an
/// admitted one that is lost before acceptance (here: this process dies) was never acknowledged to anyone. It saves the
/// inbox write and the claim, two of the three durable commits between a client's call and the handler's first command.
/// </summary>
public sealed partial class DurableWorker
{
    /// <summary>Updates admitted in memory, per run, in the order they are to be validated (guarded by itself; updates are rare).</summary>
    private readonly Dictionary<string, List<LocalUpdate>> localUpdates = new(StringComparer.Ordinal);

    /// <summary>
    /// Offers an update to the run's next workflow task. Null when this worker does not hold the run's live instance (or is
    /// not running): the caller writes it to the store instead. Otherwise the returned update completes as accepted (then
    /// committed), rejected (nothing written) or not taken (nothing written: the caller writes it to the store instead).
    /// </summary>
    internal LocalUpdate? TryAdmitUpdate(string runId, string updateId, string name, string argsJson, string identity)
    {
        if (!TakesWorkflowTasks || !cache.Contains(runId))
        {
            return null;
        }

        var update = new LocalUpdate(updateId, name, argsJson, identity);
        lock (localUpdates)
        {
            if (!localUpdates.TryGetValue(runId, out var list))
            {
                localUpdates[runId] = list = [];
            }

            list.Add(update);
        }

        if (!Enqueue(runId))
        {
            // Shutting down: no workflow task will take it.
            FinishLocalUpdatesNotTaken(runId);
        }

        return update;
    }

    /// <summary>Whether this worker can take a new run's first task itself (eager start): it runs the type on that queue and is running.</summary>
    internal bool CanStartEagerly(string taskQueue, string workflowType) => TakesWorkflowTasks && taskQueue == options.TaskQueue && workflows.ContainsKey(workflowType);

    /// <summary>Gets a value indicating whether the worker runs and is not shutting down (its workflow task loops take work).</summary>
    private bool TakesWorkflowTasks => Volatile.Read(ref started) == 1 && !shutdown.IsCancellationRequested && !workflowQueue.Reader.Completion.IsCompleted;

    /// <summary>
    /// Runs the first task of a run the start's commit assigned to this worker. Shutting down instead: the run stays
    /// assigned until this worker unregisters, which makes it ready for the others (as for every run it owns).
    /// </summary>
    internal void StartEagerly(string runId) => Enqueue(runId);

    /// <summary>Takes the updates admitted for the run's next workflow task (withdrawn ones are dropped).</summary>
    private List<LocalUpdate> TakeLocalUpdates(string runId)
    {
        var taken = new List<LocalUpdate>();
        lock (localUpdates)
        {
            if (localUpdates.Remove(runId, out var list))
            {
                foreach (var u in list)
                {
                    if (u.TryTake())
                    {
                        taken.Add(u);
                    }
                }
            }
        }

        return taken;
    }

    /// <summary>Reports the run's waiting updates as not taken (nothing was written): their callers send them through the store.</summary>
    private void FinishLocalUpdatesNotTaken(string runId)
    {
        foreach (var u in TakeLocalUpdates(runId))
        {
            u.Finish(LocalUpdateState.NotTaken, null);
        }
    }

    /// <summary>After the last workflow task of a shutdown: every update still waiting goes back to its caller, nothing written.</summary>
    private void FinishAllLocalUpdatesNotTaken()
    {
        string[] runs;
        lock (localUpdates)
        {
            runs = [.. localUpdates.Keys];
        }

        foreach (var runId in runs)
        {
            FinishLocalUpdatesNotTaken(runId);
        }
    }

    /// <summary>Puts updates taken by a task back for the run's next task (which validates them however busy the run is).</summary>
    private void DeferLocalUpdates(string runId, List<LocalUpdate> deferred)
    {
        lock (localUpdates)
        {
            if (!localUpdates.TryGetValue(runId, out var list))
            {
                localUpdates[runId] = list = [];
            }

            // Ahead of any admitted meanwhile: updates are validated and recorded in the order they came.
            foreach (var u in deferred)
            {
                u.Defer();
            }

            list.InsertRange(0, deferred);
        }

        // The run is in flight (this task): this marks it to run again right after.
        Enqueue(runId);
    }

    /// <summary>The history event an admitted update is recorded as once accepted, as if it had come through the inbox.</summary>
    private static HistoryEvent AcceptedEvent(LocalUpdate u, DateTimeOffset now) => new()
    {
        EventType = EventType.WorkflowExecutionUpdateAccepted, Timestamp = now, Name = u.Name, Payload = u.ArgsJson, RequestId = u.UpdateId, Identity = u.Identity,
    };
}

/// <summary>What became of an update admitted in memory.</summary>
internal enum LocalUpdateState
{
    /// <summary>Waiting for the run's next workflow task.</summary>
    Pending,

    /// <summary>A workflow task is validating and recording it.</summary>
    Taken,

    /// <summary>The caller gave up before a workflow task took it: it is never applied.</summary>
    Withdrawn,

    /// <summary>Accepted and committed with its <c>WorkflowExecutionUpdateAccepted</c> event: it is in the store now.</summary>
    Accepted,

    /// <summary>The validator refused it; nothing was written.</summary>
    Rejected,

    /// <summary>No task recorded it (the run was not this worker's any more, a race, a failing task); nothing was written.</summary>
    NotTaken,
}

/// <summary>An update admitted in memory, waiting for (or taken by) its run's next workflow task.</summary>
internal sealed class LocalUpdate(string updateId, string name, string argsJson, string identity)
{
    private int state = (int)LocalUpdateState.Pending;

    public string UpdateId { get; } = updateId;

    public string Name { get; } = name;

    public string ArgsJson { get; } = argsJson;

    public string Identity { get; } = identity;

    /// <summary>Gets the rejection, when the validator refused the update.</summary>
    public FailureInfo? Rejection { get; private set; }

    /// <summary>Gets the outcome: Accepted, Rejected, NotTaken or Withdrawn (never Pending or Taken once complete).</summary>
    public Task<LocalUpdateState> Outcome => outcome.Task;

    private readonly TaskCompletionSource<LocalUpdateState> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Withdraws the update if no workflow task has taken it yet; then it is never applied.</summary>
    public bool TryWithdraw()
    {
        if (Interlocked.CompareExchange(ref state, (int)LocalUpdateState.Withdrawn, (int)LocalUpdateState.Pending) != (int)LocalUpdateState.Pending)
        {
            return false;
        }

        outcome.TrySetResult(LocalUpdateState.Withdrawn);
        return true;
    }

    /// <summary>Gets a value indicating whether a task deferred the update once already (the next one validates it, whatever else it has).</summary>
    public bool Deferred { get; private set; }

    /// <summary>A task that took the update hands it back, still withdrawable, for the run's next task.</summary>
    public void Defer()
    {
        Deferred = true;
        Interlocked.CompareExchange(ref state, (int)LocalUpdateState.Pending, (int)LocalUpdateState.Taken);
    }

    /// <summary>A workflow task takes the update; false when the caller withdrew it first.</summary>
    public bool TryTake() => Interlocked.CompareExchange(ref state, (int)LocalUpdateState.Taken, (int)LocalUpdateState.Pending) == (int)LocalUpdateState.Pending;

    /// <summary>Reports the outcome of a taken update to the caller; the first report wins (later ones, e.g. a task's cleanup, are ignored).</summary>
    public void Finish(LocalUpdateState final, FailureInfo? rejection)
    {
        if (Interlocked.CompareExchange(ref state, (int)final, (int)LocalUpdateState.Taken) != (int)LocalUpdateState.Taken)
        {
            return;
        }

        Rejection = rejection;
        outcome.TrySetResult(final);
    }
}
