using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Workflows;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Worker;

/// <summary>Workflow tasks: load, replay if not cached, apply new events, run the code, commit its commands.</summary>
public sealed partial class DurableWorker
{
    private async Task ProcessRunAsync(string runId)
    {
        WorkflowInstance? instance = null;
        var failedAttempts = 0;
        var locals = TakeLocalOutcomes(runId);
        var admitted = TakeLocalUpdates(runId);
        var localsRecorded = false;
        var taskFailed = false;
        try
        {
            instance = cache.Get(runId);
            if (instance?.Violation is { } violation)
            {
                throw violation;
            }

            if (instance is not null && locals.Count > 0 && admitted.Count == 0)
            {
                // Fast path: the live instance plus this worker's own activity outcomes need nothing from the store. The
                // commit's version and owner guard catches anyone else's write (then the run is rebuilt); inbox items and
                // due timers keep the run ready, so the commit reports more work and the next task takes them.
                localsRecorded = await RunActivationAsync(instance, LocalTaskInput(instance), [], locals, []).ConfigureAwait(false);
                return;
            }

            var input = await store.LoadWorkflowTaskAsync(runId, instance?.LastEventId ?? 0, CancellationToken.None).ConfigureAwait(false);
            failedAttempts = input?.Run.TaskAttempt ?? 0;
            if (input is null || input.Run.Status != WorkflowExecutionStatus.Running || input.Run.Owner != WorkerId)
            {
                cache.Evict(runId);
                return;
            }

            if (instance is not null && (input.History.Count > 0 || instance.Version != input.Run.Version))
            {
                // Someone else wrote to this run (terminate, another worker): rebuild from history.
                cache.Evict(runId);
                instance = null;
                input = await store.LoadWorkflowTaskAsync(runId, 0, CancellationToken.None).ConfigureAwait(false);
                if (input is null)
                {
                    return;
                }
            }

            IReadOnlyList<HistoryEvent> pending = [];
            if (instance is null)
            {
                if (!workflows.TryGetValue(input.Run.WorkflowType, out var def))
                {
                    throw new InvalidOperationException(
                        $"Workflow type '{input.Run.WorkflowType}' is not registered on worker {WorkerId} (task queue '{options.TaskQueue}'); registered: {string.Join(", ", workflows.Keys)}.");
                }

                var run = input.Run;
                instance = new WorkflowInstance(
                    def,
                    new WorkflowInfo { WorkflowId = run.WorkflowId, RunId = run.RunId, WorkflowType = run.WorkflowType, TaskQueue = run.TaskQueue, StartTime = run.StartTime },
                    loggerFactory.CreateLogger("Workflow." + def.Name),
                    options.Limits,
                    escaped => Enqueue(escaped.Info.RunId));
                var fresh = instance;
                var history = input.History;
                pending = await WithDeadlockDetection(() => fresh.Replay(history), def.Name).ConfigureAwait(false);
                instance.Version = run.Version;
                instance.HistorySize = run.HistorySize;
            }

            if (admitted.Exists(u => !u.Deferred) && (pending.Count > 0 || input.Inbox.Any(i => i.Event.EventType is not (EventType.WorkflowExecutionUpdateAccepted or EventType.WorkflowExecutionStarted))))
            {
                // Signals and other events that reached the run before these updates may be what their validators check (a
                // caller pauses a delivery, then sets weights): this task applies them, the next one validates the updates.
                // An update deferred once already is validated now (what arrived since came after it); the others wait.
                DeferLocalUpdates(runId, admitted.FindAll(u => !u.Deferred));
                admitted = admitted.FindAll(u => u.Deferred);
            }

            localsRecorded = await RunActivationAsync(instance, input, pending, locals, admitted).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            cache.Evict(runId);
            taskFailed = true;
            await FailTaskAsync(runId, e, failedAttempts + 1).ConfigureAwait(false);
        }
        finally
        {
            if (!localsRecorded && locals.Count > 0)
            {
                // Not recorded by this task (no longer ours, a version race, a failing task): write them on their own. After a
                // failed task the run keeps its retry backoff (no enqueue); a stale attempt is dropped by the store.
                await WriteOutcomesAsync(locals, enqueue: !taskFailed).ConfigureAwait(false);
            }

            // Admitted updates this task did not commit or reject: nothing was written, so their callers send them through the store.
            foreach (var u in admitted)
            {
                u.Finish(LocalUpdateState.NotTaken, null);
            }
        }
    }

    /// <summary>The input of a task that reads nothing from the store: no new history, inbox or timers; the store's clock.</summary>
    private WorkflowTaskInput LocalTaskInput(WorkflowInstance instance) => new()
    {
        Run = new RunRecord
        {
            WorkflowId = instance.Info.WorkflowId, RunId = instance.Info.RunId, WorkflowType = instance.Info.WorkflowType, TaskQueue = instance.Info.TaskQueue,
            Status = WorkflowExecutionStatus.Running, Owner = WorkerId, Version = instance.Version,
        },
        History = [],
        Inbox = [],
        DueTimers = [],
        Now = DateTimeOffset.FromUnixTimeMilliseconds(store.Time.GetUtcNow().ToUnixTimeMilliseconds()),
    };

    /// <summary>
    /// Runs one workflow task; returns whether it committed, recording <paramref name="locals"/> with it. Updates
    /// <paramref name="admitted"/> in memory are validated here: a rejected one is answered at once and leaves no trace, an
    /// accepted one is recorded by this task's commit and reported accepted once that commit is durable.
    /// </summary>
    private async Task<bool> RunActivationAsync(
        WorkflowInstance instance, WorkflowTaskInput input, IReadOnlyList<HistoryEvent> pending, IReadOnlyList<LocalOutcome> locals, IReadOnlyList<LocalUpdate> admitted)
    {
        var runId = instance.Info.RunId;
        var nextId = instance.LastEventId + 1;
        var incoming = new List<HistoryEvent>(pending);
        var newEvents = new List<HistoryEvent>();
        var consumed = new List<long>();
        var updates = new List<UpdateResolution>();
        if (pending.FirstOrDefault(e => e.EventType == EventType.WorkflowExecutionStarted) is { } startedEarlier)
        {
            instance.CreateBeforeValidation(startedEarlier);
        }

        // Updates admitted in memory first: they are validated against the state before this task's events (which reached the
        // run after them, or the task would have deferred them), and recorded in that order.
        List<LocalUpdate>? accepted = null;
        foreach (var u in admitted)
        {
            if (instance.ValidateUpdate(u.Name, u.ArgsJson) is { } rejection)
            {
                u.Finish(LocalUpdateState.Rejected, rejection);
                continue;
            }

            (accepted ??= []).Add(u);
            updates.Add(new UpdateResolution(u.UpdateId, UpdateState.Accepted, null, null) { Admitted = new AdmittedUpdate(instance.Info.WorkflowId, u.Name, input.Now) });
            newEvents.Add(AcceptedEvent(u, input.Now) with { EventId = nextId++ });
        }

        var otherEvents = false;
        foreach (var item in input.Inbox)
        {
            var e = item.Event;
            if (e.EventType == EventType.WorkflowExecutionUpdateAccepted && otherEvents)
            {
                // An update after a signal (or another event) in the same inbox: validators run before this task's events are
                // applied, so this update waits for the next task, which validates it against the state after them. The rest of
                // the inbox stays there too, in order.
                break;
            }

            otherEvents |= e.EventType != EventType.WorkflowExecutionUpdateAccepted && e.EventType != EventType.WorkflowExecutionStarted;
            consumed.Add(item.Id);
            if (e.EventType == EventType.WorkflowExecutionStarted)
            {
                instance.CreateBeforeValidation(e);
            }

            if (e.EventType == EventType.WorkflowExecutionUpdateAccepted)
            {
                var rejection = instance.ValidateUpdate(e.Name ?? string.Empty, e.Payload ?? "[]");
                if (rejection is not null)
                {
                    updates.Add(new UpdateResolution(e.RequestId!, UpdateState.Rejected, null, rejection));
                    continue;
                }

                updates.Add(new UpdateResolution(e.RequestId!, UpdateState.Accepted, null, null));
            }

            if (e.EventType is EventType.ActivityTaskCompleted or EventType.ActivityTaskFailed or EventType.ActivityTaskTimedOut or EventType.ActivityTaskCanceled)
            {
                newEvents.Add(new HistoryEvent
                {
                    EventId = nextId++, EventType = EventType.ActivityTaskStarted, Timestamp = e.Timestamp, ScheduledEventId = e.ScheduledEventId, Attempt = e.Attempt, Identity = e.Identity,
                });
            }

            newEvents.Add(e with { EventId = nextId++ });
        }

        // Outcomes of this worker's own activities that never went through the inbox: recorded by this commit.
        foreach (var o in locals)
        {
            newEvents.Add(new HistoryEvent
            {
                EventId = nextId++, EventType = EventType.ActivityTaskStarted, Timestamp = input.Now, ScheduledEventId = o.Task.ScheduledEventId, Attempt = o.Task.Attempt, Identity = WorkerId,
            });
            newEvents.Add(o.Outcome with { EventId = nextId++, Timestamp = input.Now, ScheduledEventId = o.Task.ScheduledEventId, Attempt = o.Task.Attempt });
        }

        var fired = new List<long>();
        foreach (var t in input.DueTimers)
        {
            fired.Add(t.StartedEventId);
            newEvents.Add(new HistoryEvent { EventId = nextId++, EventType = EventType.TimerFired, Timestamp = t.FireAt, ScheduledEventId = t.StartedEventId });
        }

        incoming.AddRange(newEvents);
        if (incoming.Count == 0 && updates.Count == 0)
        {
            cache.Put(instance);
            return false;
        }

        var commands = new List<WorkflowCommand>();
        if (incoming.Count > 0)
        {
            var wtc = new HistoryEvent { EventId = nextId, EventType = EventType.WorkflowTaskCompleted, Timestamp = input.Now, Identity = WorkerId };
            newEvents.Add(wtc);
            var result = await WithDeadlockDetection(() => instance.Activate(incoming, input.Now, wtc.EventId), instance.Definition.Name).ConfigureAwait(false);
            commands.AddRange(result.Commands);
            newEvents.AddRange(result.Commands.Select(c => c.Event));
        }

        var lastEventId = newEvents.Count > 0 ? newEvents[^1].EventId : instance.LastEventId;
        if (lastEventId > options.Limits.MaxHistoryEvents || instance.HistorySize > options.Limits.MaxHistoryBytes)
        {
            var reason = $"history limit exceeded: {lastEventId:N0} events / {instance.HistorySize:N0} bytes (limits {options.Limits.MaxHistoryEvents:N0} events, {options.Limits.MaxHistoryBytes:N0} bytes); " +
                "continue as new when Workflow.ContinueAsNewSuggested turns true";
            logger.LogError("Terminating workflow {WorkflowId}: {Reason}", instance.Info.WorkflowId, reason);
            cache.Evict(runId);
            await store.TerminateAsync(instance.Info.WorkflowId, runId, reason, WorkerId, CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        if (lastEventId >= options.Limits.WarnHistoryEvents && instance.LastEventId < options.Limits.WarnHistoryEvents)
        {
            logger.LogWarning("Workflow {WorkflowId} has {Events} history events; continue as new before {Limit}", instance.Info.WorkflowId, lastEventId, options.Limits.MaxHistoryEvents);
        }

        var commit = BuildCommit(instance, runId, commands, newEvents, locals, consumed, fired, updates);
        CrashPoints.Hit("workflow-commit-before");
        var outcome = await store.CommitWorkflowTaskAsync(commit, CancellationToken.None).ConfigureAwait(false);
        CrashPoints.Hit("workflow-commit-after");
        if (!outcome.Committed)
        {
            logger.LogDebug("Workflow task of {RunId} lost a version race (or one of its activity attempts was superseded); rebuilding", runId);
            cache.Evict(runId);
            return false;
        }

        foreach (var _ in locals)
        {
            CrashPoints.Hit("activity-resolve-after");
        }

        foreach (var u in accepted ?? [])
        {
            u.Finish(LocalUpdateState.Accepted, null);
        }

        instance.Version = outcome.NewVersion;
        instance.HistorySize += newEvents.Sum(e => (long)(e.Payload?.Length ?? 0) + 64);
        if (instance.IsClosed)
        {
            cache.Evict(runId);
        }
        else
        {
            cache.Put(instance);
        }

        foreach (var t in outcome.ClaimedActivities)
        {
            StartActivity(t);
        }

        if (outcome.MoreWork)
        {
            Enqueue(runId);
        }

        return true;
    }

    /// <summary>
    /// Sorts the activation's commands into the commit, in one pass over them: this runs for every workflow task, and the
    /// LINQ chains it replaced (one per kind of command, plus hash sets) were a visible share of a workflow's allocations.
    /// </summary>
    private WorkflowTaskCommit BuildCommit(
        WorkflowInstance instance, string runId, List<WorkflowCommand> commands, List<HistoryEvent> newEvents, IReadOnlyList<LocalOutcome> locals,
        List<long> consumed, List<long> fired, List<UpdateResolution> updates)
    {
        List<long>? canceledTimers = null;
        List<long>? cancelActivities = null;
        List<NewTimer>? timers = null;
        List<NewActivity>? newActivities = null;
        List<ChildStart>? childStarts = null;
        List<ExternalRequest>? externals = null;
        RunClose? close = null;
        foreach (var c in commands)
        {
            if (c.CancelTimer is { } ct && !(canceledTimers ??= []).Contains(ct))
            {
                canceledTimers.Add(ct);
            }

            if (c.CancelActivity is { } ca && !(cancelActivities ??= []).Contains(ca))
            {
                cancelActivities.Add(ca);
            }

            if (c.Timer is { } t)
            {
                (timers ??= []).Add(t);
            }

            if (c.Activity is { } a)
            {
                (newActivities ??= []).Add(a);
            }

            if (c.Update is { } u)
            {
                updates.Add(u);
            }

            if (c.Child is { } child)
            {
                (childStarts ??= []).Add(child);
            }

            if (c.External is { } external)
            {
                (externals ??= []).Add(external);
            }

            if (c.Close is { } cl)
            {
                close = cl;
            }
        }

        if (canceledTimers is not null)
        {
            timers?.RemoveAll(t => canceledTimers.Contains(t.StartedEventId));
        }

        if (newActivities is not null)
        {
            var capacity = options.MaxConcurrentActivities - running.Count;
            for (var i = 0; i < newActivities.Count; i++)
            {
                // Eager dispatch: run the activity here without a round trip through the store's queue.
                var a = newActivities[i];
                var eager = capacity > 0 && a.TaskQueue == options.TaskQueue && activities.ContainsKey(a.ActivityType) && cancelActivities?.Contains(a.ScheduledEventId) != true;
                if (eager)
                {
                    capacity--;
                }

                newActivities[i] = a with { Eager = eager };
            }
        }

        ResolvedActivity[] resolved = locals.Count == 0 ? [] : new ResolvedActivity[locals.Count];
        for (var i = 0; i < resolved.Length; i++)
        {
            resolved[i] = new ResolvedActivity(locals[i].Task.ScheduledEventId, locals[i].Task.Attempt);
        }

        return new WorkflowTaskCommit
        {
            RunId = runId,
            WorkerId = WorkerId,
            ExpectedVersion = instance.Version,
            NewEvents = newEvents,
            ResolvedActivities = resolved,
            ConsumedInbox = consumed,
            FiredTimers = fired,
            NewTimers = timers ?? [],
            CanceledTimers = canceledTimers ?? [],
            NewActivities = newActivities ?? [],
            CancelActivities = cancelActivities ?? [],
            Updates = updates,
            ChildStarts = childStarts ?? [],
            ExternalRequests = externals ?? [],
            Close = close,
        };
    }

    private async Task<T> WithDeadlockDetection<T>(Func<T> activation, string workflowType)
    {
        if (options.DeadlockTimeout == Timeout.InfiniteTimeSpan)
        {
            return activation();
        }

        var task = Task.Run(activation);
        try
        {
            return await task.WaitAsync(options.DeadlockTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidWorkflowSchedulerException(
                $"Workflow '{workflowType}' blocked its thread for more than {options.DeadlockTimeout.TotalSeconds:0.#}s (deadlock detection): a blocking call such as " +
                ".Result, .Wait(), Thread.Sleep or synchronous I/O in workflow code. Await Workflow APIs instead; set DD_DEBUG=1 to disable the check while debugging.");
        }
    }

    private async Task FailTaskAsync(string runId, Exception e, int attempt)
    {
        var error = FailureConverter.Unwrap(e);
        var failure = FailureConverter.ToFailure(error);
        var delay = TimeSpan.FromMilliseconds(Math.Min(600_000, 1000 * Math.Pow(2, Math.Min(attempt - 1, 20))));
        logger.LogError(error, "Workflow task for run {RunId} failed (attempt {Attempt}); retrying in {Delay}. The workflow waits until the code is fixed", runId, attempt, delay);
        try
        {
            await store.FailWorkflowTaskAsync(runId, WorkerId, failure, store.Time.GetUtcNow() + delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception storeError)
        {
            logger.LogError(storeError, "Could not record the workflow task failure of {RunId}", runId);
        }
    }

    private async Task AnswerQueryAsync(QueryRecord q)
    {
        string? result = null;
        FailureInfo? failure = null;
        try
        {
            if (await TryQueryCachedAsync(q).ConfigureAwait(false) is { } cached)
            {
                result = cached.Result;
                await store.AnswerQueryAsync(q.Id, result, null, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            var input = await store.LoadWorkflowTaskAsync(q.RunId, 0, CancellationToken.None).ConfigureAwait(false)
                ?? throw new WorkflowQueryFailedException($"run {q.RunId} not found");
            if (!workflows.TryGetValue(input.Run.WorkflowType, out var def))
            {
                throw new WorkflowQueryFailedException($"workflow type '{input.Run.WorkflowType}' is not registered on this worker");
            }

            // Queries read committed state: replay the history into a private instance (never the cached one).
            var run = input.Run;
            var instance = new WorkflowInstance(def, new WorkflowInfo { WorkflowId = run.WorkflowId, RunId = run.RunId, WorkflowType = run.WorkflowType, TaskQueue = run.TaskQueue }, logger, options.Limits);
            result = await WithDeadlockDetection(
                () =>
                {
                    var pending = instance.Replay(input.History);
                    if (pending.Count > 0)
                    {
                        instance.Activate(pending, input.Now, instance.LastEventId + 1);
                    }

                    return instance.Query(q.Name, q.ArgsJson);
                },
                def.Name).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = FailureConverter.ToFailure(e);
        }

        await store.AnswerQueryAsync(q.Id, result, failure, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers a query from the run's live instance, as Temporal's workers do, when that instance holds exactly the
    /// committed state: no workflow task of the run is running or queued (the run is held for the query's duration, so
    /// none starts), and the store has nothing newer (same version, no new events). Otherwise null: the caller replays
    /// the history into a private instance. Saves that replay (tens of milliseconds for a long-lived environment's
    /// history) on every <c>ddctl env status</c> and every poll of <c>ddctl delivery watch</c>.
    /// </summary>
    /// <returns>The answer; null when the cache cannot answer; a query that fails on the live instance is answered by replay,
    /// which reports the failure.</returns>
    private async Task<CachedAnswer?> TryQueryCachedAsync(QueryRecord q)
    {
        // A workflow task of the run running or queued (the run is in flight) leaves the query to the replay below.
        if (cache.Get(q.RunId) is not { Violation: null } instance || !instance.Definition.Queries.ContainsKey(q.Name) || !inflight.TryAdd(q.RunId, 0))
        {
            return null;
        }

        try
        {
            var input = await store.LoadWorkflowTaskAsync(q.RunId, instance.LastEventId, CancellationToken.None).ConfigureAwait(false);
            if (input is null || input.Run.Status != WorkflowExecutionStatus.Running || input.History.Count > 0 || input.Run.Version != instance.Version
                || !ReferenceEquals(cache.Get(q.RunId), instance))
            {
                return null;
            }

            try
            {
                return new CachedAnswer(await WithDeadlockDetection(() => instance.Query(q.Name, q.ArgsJson), instance.Definition.Name).ConfigureAwait(false));
            }
            catch (Exception)
            {
                // A query handler that threw or blocked (its thread may still be in the instance) must not share the instance
                // with the run's next task: rebuild the run by replay then. The replay path answers this query and reports why.
                cache.Evict(q.RunId);
                throw;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
        finally
        {
            ReleaseHeldRun(q.RunId);
        }
    }

    /// <summary>Ends a hold taken with <c>inflight.TryAdd(runId, 0)</c>: a workflow task asked for meanwhile is queued now.</summary>
    private void ReleaseHeldRun(string runId)
    {
        if (inflight.TryRemove(new KeyValuePair<string, int>(runId, 0)))
        {
            return;
        }

        // Enqueue saw the run held (as if a task ran) and marked it: run that task, as the task loop would have.
        inflight[runId] = 0;
        if (!QueueHeldRun(runId))
        {
            // Shutting down: no task will take what was admitted for the run meanwhile.
            FinishLocalUpdatesNotTaken(runId);
        }
    }

    private sealed record CachedAnswer(string? Result);
}
