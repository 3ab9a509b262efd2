using System.Linq.Expressions;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Engine.Client;

/// <summary>A handle to a workflow: signal, query, update, wait for its result, describe, cancel, terminate, read its history.</summary>
public class WorkflowHandle
{
    internal WorkflowHandle(DurableClient client, string id, string? runId)
    {
        Client = client;
        Id = id;
        RunId = runId;
    }

    /// <summary>Gets the workflow id.</summary>
    public string Id { get; }

    /// <summary>Gets the run id this handle targets, or null for the latest run.</summary>
    public string? RunId { get; }

    /// <summary>Gets the client.</summary>
    public DurableClient Client { get; }

    private IWorkflowStore Store => Client.Store;

    /// <summary>Sends a signal by name. The signal is durable once this returns.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="args">The arguments.</param>
    /// <returns>A task that completes when the signal is stored.</returns>
    public Task SignalAsync(string signal, IReadOnlyCollection<object?> args) => SignalJsonAsync(signal, PayloadConverter.SerializeArgs(args));

    /// <summary>Sends a signal by name with arguments given as a JSON array.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="argsJson">The arguments as a JSON array.</param>
    /// <returns>A task that completes when the signal is stored.</returns>
    public async Task SignalJsonAsync(string signal, string argsJson)
    {
        var run = await RequireRunAsync().ConfigureAwait(false);
        await CheckNameAsync(run.WorkflowType, signal, "signal", t => t.Signals).ConfigureAwait(false);
        Client.CheckPayload(argsJson, $"arguments of signal '{signal}'");
        await Store.SignalAsync(Id, RunId, new HistoryEvent { EventType = EventType.WorkflowExecutionSignaled, Name = signal, Payload = argsJson, Identity = Client.Options.Identity }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Queries the workflow by name. Works on closed workflows too; needs a worker that has the workflow type.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="query">The query name.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="timeout">How long to wait for a worker to answer; the default is 10 s.</param>
    /// <returns>The answer.</returns>
    public async Task<TResult> QueryAsync<TResult>(string query, IReadOnlyCollection<object?> args, TimeSpan? timeout = null) =>
        PayloadConverter.Deserialize<TResult>(await QueryJsonAsync(query, PayloadConverter.SerializeArgs(args), timeout).ConfigureAwait(false));

    /// <summary>Queries the workflow by name with arguments as a JSON array; returns the answer as JSON.</summary>
    /// <param name="query">The query name.</param>
    /// <param name="argsJson">The arguments as a JSON array.</param>
    /// <param name="timeout">How long to wait for a worker to answer; the default is 10 s.</param>
    /// <returns>The answer as JSON.</returns>
    public async Task<string?> QueryJsonAsync(string query, string argsJson, TimeSpan? timeout = null)
    {
        var run = await Store.GetRunAsync(Id, RunId, CancellationToken.None).ConfigureAwait(false) ?? throw new WorkflowNotFoundException(Id, RunId);
        await CheckNameAsync(run.WorkflowType, query, "query", t => t.Queries).ConfigureAwait(false);
        var id = await Store.SubmitQueryAsync(run.RunId, query, argsJson, CancellationToken.None).ConfigureAwait(false);
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var deadline = DateTime.UtcNow + limit;
        var backoff = Client.NewPollBackoff();
        while (true)
        {
            var watch = Store.Notifier.Watch(StoreNotifier.QueryKey(id));
            var rec = await Store.GetQueryAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (rec is { Answered: true })
            {
                await Store.DeleteQueryAsync(id, CancellationToken.None).ConfigureAwait(false);
                if (rec.Failure is not null)
                {
                    throw new WorkflowQueryFailedException($"Query '{query}' on workflow '{Id}' failed: {rec.Failure.Message}");
                }

                return rec.ResultJson;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                await Store.DeleteQueryAsync(id, CancellationToken.None).ConfigureAwait(false);
                throw new WorkflowQueryFailedException(
                    $"No worker answered query '{query}' on workflow '{Id}' within {limit.TotalSeconds:0.#}s; start a worker for task queue '{run.TaskQueue}' (ddctl worker run).");
            }

            await StoreNotifier.WaitAsync(watch, backoff, CancellationToken.None, left).ConfigureAwait(false);
        }
    }

    /// <summary>Runs an update by name and waits for its result. A rejected update leaves no trace in history.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="update">The update name.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="options">Options (the update id, for idempotency).</param>
    /// <returns>The update's result.</returns>
    /// <exception cref="WorkflowUpdateFailedException">The validator rejected the update, or its handler failed.</exception>
    public async Task<TResult> ExecuteUpdateAsync<TResult>(string update, IReadOnlyCollection<object?> args, WorkflowUpdateOptions? options = null) =>
        PayloadConverter.Deserialize<TResult>(await ExecuteUpdateJsonAsync(update, PayloadConverter.SerializeArgs(args), options).ConfigureAwait(false));

    /// <summary>Runs an update by name with arguments as a JSON array; returns the result as JSON.</summary>
    /// <param name="update">The update name.</param>
    /// <param name="argsJson">The arguments as a JSON array.</param>
    /// <param name="options">Options (the update id, for idempotency).</param>
    /// <param name="cancellationToken">Stops waiting (the update itself goes on).</param>
    /// <returns>The result as JSON.</returns>
    public async Task<string?> ExecuteUpdateJsonAsync(string update, string argsJson, WorkflowUpdateOptions? options = null, CancellationToken cancellationToken = default)
    {
        var run = await RequireRunAsync().ConfigureAwait(false);
        await CheckNameAsync(run.WorkflowType, update, "update", t => t.Updates).ConfigureAwait(false);
        Client.CheckPayload(argsJson, $"arguments of update '{update}'");
        var updateId = options?.UpdateId ?? Guid.CreateVersion7().ToString();
        if (!await TryAdmitInMemoryAsync(run.RunId, updateId, update, argsJson, options?.UpdateId is not null, cancellationToken).ConfigureAwait(false))
        {
            await Store.SubmitUpdateAsync(Id, RunId, updateId, update, argsJson, Client.Options.Identity, CancellationToken.None).ConfigureAwait(false);
        }

        var backoff = Client.NewPollBackoff();
        while (true)
        {
            var watch = Store.Notifier.Watch(StoreNotifier.UpdateKey(updateId));
            var rec = await Store.GetUpdateAsync(updateId, cancellationToken).ConfigureAwait(false);
            switch (rec?.State)
            {
                case UpdateState.Rejected:
                    throw new WorkflowUpdateFailedException(update, rec.Failure!, rejected: true);
                case UpdateState.Completed when rec.Failure is not null:
                    throw new WorkflowUpdateFailedException(update, rec.Failure, rejected: false);
                case UpdateState.Completed:
                    return rec.ResultJson;
            }

            await StoreNotifier.WaitAsync(watch, backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Hands the update to a worker of this process that holds the run's live instance, as Temporal's server admits an update
    /// in memory: its next workflow task validates it and records it, accepted, in its own commit (no inbox write, no claim).
    /// True when it was accepted (it is in the store now); false when no local worker took it and nothing was written (the
    /// caller writes it to the store). A rejection throws here, with nothing written, as it does through the store.
    /// </summary>
    private async Task<bool> TryAdmitInMemoryAsync(string runId, string updateId, string update, string argsJson, bool idGiven, CancellationToken cancellationToken)
    {
        var workers = Client.LocalWorkers;
        if (workers.Count == 0 || (idGiven && await Store.GetUpdateAsync(updateId, CancellationToken.None).ConfigureAwait(false) is not null))
        {
            // No worker here, or a retried id: the store has (or will have) the first call's outcome.
            return false;
        }

        foreach (var worker in workers)
        {
            if (worker.TryAdmitUpdate(runId, updateId, update, argsJson, Client.Options.Identity) is not { } admitted)
            {
                continue;
            }

            Client.ForgetWithdrawnUpdates();
            if (!Client.AdmittedUpdates.TryAdd(updateId, admitted))
            {
                // The same id admitted twice at once: keep the first, send this one through the store, which deduplicates.
                admitted.TryWithdraw();
                return false;
            }

            LocalUpdateState state;
            using (cancellationToken.Register(() => admitted.TryWithdraw()))
            {
                // A task that took it finishes within one workflow task: wait for that even when the caller gives up, so that
                // the update ends in exactly one place (accepted in the store, refused, withdrawn, or sent to the store below).
                state = await admitted.Outcome.ConfigureAwait(false);
            }

            switch (state)
            {
                case LocalUpdateState.Withdrawn:
                    // Kept in AdmittedUpdates so that TryWithdrawUpdateAsync reports it withdrawn.
                    throw new OperationCanceledException(cancellationToken);
                case LocalUpdateState.Rejected:
                    Client.AdmittedUpdates.TryRemove(new KeyValuePair<string, LocalUpdate>(updateId, admitted));
                    throw new WorkflowUpdateFailedException(update, admitted.Rejection!, rejected: true);
                case LocalUpdateState.Accepted:
                    Client.AdmittedUpdates.TryRemove(new KeyValuePair<string, LocalUpdate>(updateId, admitted));
                    return true;
                default:
                    Client.AdmittedUpdates.TryRemove(new KeyValuePair<string, LocalUpdate>(updateId, admitted));
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// Withdraws an update that no worker has taken yet, so that it is never applied: for a caller that gave up waiting
    /// (no worker answered) and must not leave a change behind that a worker started later would still make. An update a
    /// worker already accepted or rejected cannot be withdrawn: it runs to its end, and its result is still available.
    /// </summary>
    /// <param name="updateId">The update id given in <see cref="WorkflowUpdateOptions"/>.</param>
    /// <returns>True when the update was withdrawn; false when a worker had taken it (or there is no such update).</returns>
    public async Task<bool> TryWithdrawUpdateAsync(string updateId)
    {
        // Admitted in memory and not taken (or withdrawn when its caller gave up): never applied here. A call that retried the
        // id may have written it to the store meanwhile, so the store is asked too.
        var local = Client.AdmittedUpdates.TryRemove(updateId, out var admitted)
            && (admitted.TryWithdraw() || admitted.Outcome is { IsCompletedSuccessfully: true, Result: LocalUpdateState.Withdrawn });
        var stored = await Store.WithdrawUpdateAsync(updateId, CancellationToken.None).ConfigureAwait(false);
        return local || stored;
    }

    /// <summary>Waits for the workflow to close and returns its result, following continue-as-new runs.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The result.</returns>
    /// <exception cref="WorkflowFailedException">The workflow failed, was canceled, terminated or timed out.</exception>
    public async Task<TResult> GetResultAsync<TResult>(CancellationToken cancellationToken = default) =>
        PayloadConverter.Deserialize<TResult>(await GetResultJsonAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Waits for the workflow to close and returns its result as JSON, following continue-as-new runs.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The result as JSON.</returns>
    public async Task<string?> GetResultJsonAsync(CancellationToken cancellationToken = default)
    {
        var runId = RunId;
        var backoff = Client.NewPollBackoff();
        string? watching = null;
        var watch = Task.CompletedTask;
        while (true)
        {
            var run = await Store.GetRunAsync(Id, runId, cancellationToken).ConfigureAwait(false) ?? throw new WorkflowNotFoundException(Id, runId);
            runId = run.RunId;
            if (run.Status == WorkflowExecutionStatus.Running && watching != run.RunId)
            {
                // Watch the run, then read it again before waiting, so that a close in between is not missed.
                watching = run.RunId;
                watch = Store.Notifier.Watch(StoreNotifier.RunKey(run.RunId));
                continue;
            }

            switch (run.Status)
            {
                case WorkflowExecutionStatus.Running:
                    await StoreNotifier.WaitAsync(watch, backoff, cancellationToken).ConfigureAwait(false);
                    watch = Store.Notifier.Watch(StoreNotifier.RunKey(run.RunId));
                    continue;
                case WorkflowExecutionStatus.Completed:
                    return run.ResultJson;
                case WorkflowExecutionStatus.ContinuedAsNew when run.NextRunId is not null:
                    runId = run.NextRunId;
                    continue;
                default:
                    throw new WorkflowFailedException(Id, run.Status, run.Failure, run.Failure is null ? null : FailureConverter.ToException(run.Failure));
            }
        }
    }

    /// <summary>Describes the run: status, outcome, pending activities, the last workflow task failure.</summary>
    /// <returns>The description.</returns>
    public async Task<WorkflowExecutionDescription> DescribeAsync()
    {
        var run = await Store.GetRunAsync(Id, RunId, CancellationToken.None).ConfigureAwait(false) ?? throw new WorkflowNotFoundException(Id, RunId);
        var acts = await Store.GetActivitiesAsync(run.RunId, CancellationToken.None).ConfigureAwait(false);
        return new WorkflowExecutionDescription
        {
            WorkflowId = run.WorkflowId, RunId = run.RunId, WorkflowType = run.WorkflowType, TaskQueue = run.TaskQueue, Status = run.Status, StartTime = run.StartTime,
            CloseTime = run.CloseTime, HistoryLength = run.LastEventId, HistorySizeBytes = run.HistorySize, ResultJson = run.ResultJson, Failure = run.Failure,
            LastWorkflowTaskFailure = run.TaskFailure, WorkflowTaskAttempts = run.TaskAttempt, ParentWorkflowId = run.ParentWorkflowId, ContinuedFromRunId = run.ContinuedRunId,
            ContinuedAsNewRunId = run.NextRunId, Owner = run.Owner,
            PendingActivities = [.. acts.Select(a => new PendingActivityInfo
            {
                ActivityId = a.ScheduledEventId.ToString(System.Globalization.CultureInfo.InvariantCulture), ActivityType = a.ActivityType, Attempt = a.Attempt,
                State = a.CancelRequested ? "CancelRequested" : a.Owner is null ? "Scheduled" : "Started", LastFailure = a.LastFailure, LastHeartbeat = a.LastHeartbeat,
                HeartbeatDetailsJson = a.HeartbeatDetails, Worker = a.Owner,
            })],
        };
    }

    /// <summary>Requests cancellation: the workflow's cancellation token fires and the code decides how to wind down.</summary>
    /// <param name="reason">Why, recorded in history.</param>
    /// <returns>A task that completes when the request is stored.</returns>
    public Task CancelAsync(string? reason = null) => Store.RequestCancelAsync(Id, RunId, reason ?? "cancel requested", Client.Options.Identity, CancellationToken.None);

    /// <summary>Terminates the run at once: no code runs, running activities are told through their heartbeats.</summary>
    /// <param name="reason">Why, recorded in history.</param>
    /// <returns>A task that completes when the run is terminated.</returns>
    public Task TerminateAsync(string? reason = null) => Store.TerminateAsync(Id, RunId, reason ?? "terminated", Client.Options.Identity, CancellationToken.None);

    /// <summary>Reads the run's full history.</summary>
    /// <returns>The history.</returns>
    public async Task<WorkflowHistory> FetchHistoryAsync()
    {
        var run = await Store.GetRunAsync(Id, RunId, CancellationToken.None).ConfigureAwait(false) ?? throw new WorkflowNotFoundException(Id, RunId);
        var events = await Store.GetHistoryAsync(run.RunId, 0, CancellationToken.None).ConfigureAwait(false);
        return new WorkflowHistory(Id, events);
    }


    private static string Plural(string kind) => kind == "query" ? "queries" : kind + "s";

    private async Task<RunRecord> RequireRunAsync()
    {
        var run = await Store.GetRunAsync(Id, RunId, CancellationToken.None).ConfigureAwait(false) ?? throw new WorkflowNotFoundException(Id, RunId);
        if (run.Status != WorkflowExecutionStatus.Running)
        {
            throw new WorkflowClosedException(Id, run.Status);
        }

        return run;
    }

    private async Task CheckNameAsync(string workflowType, string name, string kind, Func<WorkflowTypeRecord, IReadOnlyList<string>> names)
    {
        var type = await Store.GetWorkflowTypeAsync(workflowType, CancellationToken.None).ConfigureAwait(false);
        if (type is not null && !names(type).Contains(name, StringComparer.Ordinal))
        {
            var known = names(type);
            throw new ArgumentException($"Workflow type '{workflowType}' has no {kind} '{name}'; known {Plural(kind)}: {(known.Count == 0 ? "(none)" : string.Join(", ", known))}.");
        }
    }
}

/// <summary>A typed handle: signals, queries and updates as calls on the workflow class.</summary>
/// <typeparam name="TWorkflow">The workflow class.</typeparam>
public class WorkflowHandle<TWorkflow> : WorkflowHandle
{
    internal WorkflowHandle(DurableClient client, string id, string? runId)
        : base(client, id, runId)
    {
    }

    /// <summary>Sends a signal: <c>h.SignalAsync(wf =&gt; wf.ApproveAsync("me"))</c>.</summary>
    /// <param name="signalCall">The signal call.</param>
    /// <returns>A task that completes when the signal is stored.</returns>
    public Task SignalAsync(Expression<Func<TWorkflow, Task>> signalCall)
    {
        var (method, args) = ExpressionCall.Parse(signalCall, "signal");
        return SignalAsync(WorkflowSignalNames.Of(method), args);
    }

    /// <summary>Queries: <c>h.QueryAsync(wf =&gt; wf.Status)</c>.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="queryCall">The query call or property.</param>
    /// <returns>The answer.</returns>
    public Task<TResult> QueryAsync<TResult>(Expression<Func<TWorkflow, TResult>> queryCall)
    {
        var (method, args) = ExpressionCall.Parse(queryCall, "query");
        return QueryAsync<TResult>(WorkflowSignalNames.QueryOf(method), args);
    }

    /// <summary>Runs an update: <c>h.ExecuteUpdateAsync(wf =&gt; wf.SetLimitAsync(5))</c>.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="updateCall">The update call.</param>
    /// <param name="options">Options.</param>
    /// <returns>The result.</returns>
    public Task<TResult> ExecuteUpdateAsync<TResult>(Expression<Func<TWorkflow, Task<TResult>>> updateCall, WorkflowUpdateOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(updateCall, "update");
        return ExecuteUpdateAsync<TResult>(WorkflowSignalNames.UpdateOf(method), args, options);
    }

    /// <summary>Runs an update returning no value.</summary>
    /// <param name="updateCall">The update call.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the update does.</returns>
    public async Task ExecuteUpdateAsync(Expression<Func<TWorkflow, Task>> updateCall, WorkflowUpdateOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(updateCall, "update");
        await ExecuteUpdateJsonAsync(WorkflowSignalNames.UpdateOf(method), PayloadConverter.SerializeArgs(args), options).ConfigureAwait(false);
    }
}

/// <summary>A typed handle whose workflow returns <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TWorkflow">The workflow class.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class WorkflowHandle<TWorkflow, TResult> : WorkflowHandle<TWorkflow>
{
    internal WorkflowHandle(DurableClient client, string id, string? runId)
        : base(client, id, runId)
    {
    }

    /// <summary>Waits for the workflow's result.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The result.</returns>
    public Task<TResult> GetResultAsync(CancellationToken cancellationToken = default) => GetResultAsync<TResult>(cancellationToken);
}
