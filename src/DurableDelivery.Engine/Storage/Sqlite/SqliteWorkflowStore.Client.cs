using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>Client-side operations: start, signal, cancel, terminate, update, query, describe, list.</summary>
internal sealed partial class SqliteWorkflowStore
{
    public Task<StartOutcome> StartWorkflowAsync(StartWorkflowRequest request, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var sql = ctx.Sql;
        var now = NowMs();
        var open = sql.Query($"SELECT {RunColumns} FROM runs WHERE workflow_id=$w AND status=1", MapRun, ("$w", request.WorkflowId)).FirstOrDefault();
        if (open is not null)
        {
            switch (request.IdConflictPolicy)
            {
                case WorkflowIdConflictPolicy.UseExisting:
                    if (request.SignalWithStart is { } s)
                    {
                        AppendInbox(ctx, open.RunId, s with { Timestamp = FromMs(now) }, now);
                    }

                    return new StartOutcome(open.RunId, false);
                case WorkflowIdConflictPolicy.TerminateExisting:
                    TerminateRun(ctx, open, "terminated by a new start with IdConflictPolicy.TerminateExisting", request.Identity, now);
                    break;
                default:
                    throw new WorkflowAlreadyStartedException(request.WorkflowId, open.RunId, "a run is open; use IdConflictPolicy.UseExisting or TerminateExisting, or another id");
            }
        }
        else
        {
            var last = sql.Query($"SELECT {RunColumns} FROM runs WHERE workflow_id=$w ORDER BY start_time DESC, rowid DESC LIMIT 1", MapRun, ("$w", request.WorkflowId)).FirstOrDefault();
            if (last is not null)
            {
                if (request.IdReusePolicy == WorkflowIdReusePolicy.RejectDuplicate)
                {
                    throw new WorkflowAlreadyStartedException(request.WorkflowId, last.RunId, $"the id was used before (last run {last.Status}) and IdReusePolicy is RejectDuplicate");
                }

                if (request.IdReusePolicy == WorkflowIdReusePolicy.AllowDuplicateFailedOnly && last.Status == WorkflowExecutionStatus.Completed)
                {
                    throw new WorkflowAlreadyStartedException(request.WorkflowId, last.RunId, "the last run completed and IdReusePolicy is AllowDuplicateFailedOnly");
                }
            }
        }

        InsertRun(ctx, request, parent: null, now);
        if (request.SignalWithStart is { } signal)
        {
            AppendInbox(ctx, request.RunId, signal with { Timestamp = FromMs(now) }, now);
        }

        return new StartOutcome(request.RunId, true);
    });

    public Task SignalAsync(string workflowId, string? runId, HistoryEvent signal, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var run = RequireOpenRun(ctx.Sql, workflowId, runId);
        var now = NowMs();
        AppendInbox(ctx, run.RunId, signal with { Timestamp = FromMs(now) }, now);
        return true;
    });

    public Task RequestCancelAsync(string workflowId, string? runId, string reason, string identity, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var run = RequireOpenRun(ctx.Sql, workflowId, runId);
        var now = NowMs();
        AppendInbox(ctx, run.RunId, new HistoryEvent { EventType = EventType.WorkflowExecutionCancelRequested, Timestamp = FromMs(now), Details = reason, Identity = identity }, now);
        return true;
    });

    public Task TerminateAsync(string workflowId, string? runId, string reason, string identity, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var run = RequireOpenRun(ctx.Sql, workflowId, runId);
        TerminateRun(ctx, run, reason, identity, NowMs());
        return true;
    });

    public Task<UpdateRecord> SubmitUpdateAsync(string workflowId, string? runId, string updateId, string name, string argsJson, string identity, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var sql = ctx.Sql;
        var existing = ReadUpdate(sql, updateId);
        if (existing is not null)
        {
            // The update id is the idempotency key: a retried call gets the first call's outcome.
            return existing;
        }

        var run = RequireOpenRun(sql, workflowId, runId);
        var now = NowMs();
        sql.Exec("INSERT INTO updates(update_id, workflow_id, run_id, name, state, created) VALUES($u, $w, $r, $n, 0, $t)",
            ("$u", updateId), ("$w", run.WorkflowId), ("$r", run.RunId), ("$n", name), ("$t", now));
        AppendInbox(ctx, run.RunId, new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionUpdateAccepted, Timestamp = FromMs(now), Name = name, Payload = argsJson, RequestId = updateId, Identity = identity,
        }, now);
        return new UpdateRecord { UpdateId = updateId, WorkflowId = run.WorkflowId, RunId = run.RunId, Name = name, State = UpdateState.Requested };
    });

    public Task<UpdateRecord?> GetUpdateAsync(string updateId, CancellationToken ct) => ReadAsync(sql => ReadUpdate(sql, updateId), ct);

    public Task<bool> WithdrawUpdateAsync(string updateId, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var sql = ctx.Sql;
        if (sql.Query("SELECT run_id FROM updates WHERE update_id=$u AND state=0", r => r.GetString(0), ("$u", updateId)) is not [var runId])
        {
            return false;
        }

        sql.Exec(
            "DELETE FROM inbox WHERE run_id=$r AND json_extract(data, '$.eventType')='WorkflowExecutionUpdateAccepted' AND json_extract(data, '$.requestId')=$u",
            ("$r", runId), ("$u", updateId));
        sql.Exec("DELETE FROM updates WHERE update_id=$u", ("$u", updateId));

        // A workflow task that already read the inbox item must not commit it: the version it expects is gone, so its commit
        // conflicts and the run is rebuilt from the store, without the update. Ready again, for whatever else was pending.
        sql.Exec("UPDATE runs SET version=version+1, ready_at=COALESCE(ready_at, $now) WHERE run_id=$r AND status=1", ("$r", runId), ("$now", NowMs()));
        ctx.Pulses.Add(StoreNotifier.WorkKey);
        ctx.Pulses.Add(StoreNotifier.UpdateKey(updateId));
        return true;
    });

    public Task<long> SubmitQueryAsync(string runId, string name, string argsJson, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var run = FindRunById(ctx.Sql, runId) ?? throw new WorkflowNotFoundException(runId, runId);
        var id = Convert.ToInt64(ctx.Sql.Scalar("INSERT INTO queries(run_id, workflow_type, name, args, created) VALUES($r, $t, $n, $a, $c) RETURNING id",
            ("$r", runId), ("$t", run.WorkflowType), ("$n", name), ("$a", argsJson), ("$c", NowMs())), System.Globalization.CultureInfo.InvariantCulture);
        ctx.Pulses.Add(StoreNotifier.WorkKey);
        return id;
    });

    public Task<QueryRecord?> GetQueryAsync(long queryId, CancellationToken ct) => ReadAsync(
        sql => sql.Query("SELECT id, run_id, name, args, answered, result, failure FROM queries WHERE id=$i", MapQuery, ("$i", queryId)).FirstOrDefault(), ct);

    public Task DeleteQueryAsync(long queryId, CancellationToken ct) =>
        writer.WriteAsync(ctx => ctx.Sql.Exec("DELETE FROM queries WHERE id=$i", ("$i", queryId)));

    public Task<RunRecord?> GetRunAsync(string workflowId, string? runId, CancellationToken ct) => ReadAsync(sql => FindRun(sql, workflowId, runId), ct);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string runId, long afterEventId, CancellationToken ct) =>
        ReadAsync<IReadOnlyList<HistoryEvent>>(sql => ReadEvents(sql, runId, afterEventId), ct);

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(RunFilter filter, CancellationToken ct) => ReadAsync<IReadOnlyList<RunRecord>>(sql =>
    {
        var where = new List<string>();
        var ps = new List<(string, object?)>();
        if (filter.Status is { } s)
        {
            where.Add("status=$s");
            ps.Add(("$s", (int)s));
        }

        if (filter.WorkflowType is { } t)
        {
            where.Add("workflow_type=$t");
            ps.Add(("$t", t));
        }

        if (filter.WorkflowIdPrefix is { } p)
        {
            where.Add("substr(workflow_id, 1, length($p))=$p");
            ps.Add(("$p", p));
        }

        ps.Add(("$l", filter.Limit));
        var text = $"SELECT {RunColumns} FROM runs {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : string.Empty)} ORDER BY start_time DESC, rowid DESC LIMIT $l";
        return sql.Query(text, MapRun, [.. ps]);
    }, ct);

    public Task<IReadOnlyList<ActivityTaskRecord>> GetActivitiesAsync(string runId, CancellationToken ct) => ReadAsync<IReadOnlyList<ActivityTaskRecord>>(
        sql => sql.Query($"SELECT {ActivityColumns} FROM activities WHERE run_id=$r ORDER BY scheduled_event_id", MapActivity, ("$r", runId)), ct);

    public Task UpsertWorkflowTypesAsync(IReadOnlyList<WorkflowTypeRecord> types, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        foreach (var t in types)
        {
            ctx.Sql.Exec("INSERT INTO workflow_types(name, data) VALUES($n, $d) ON CONFLICT(name) DO UPDATE SET data=excluded.data", ("$n", t.Name), ("$d", Ser(t)));
        }

        return true;
    });

    public Task<WorkflowTypeRecord?> GetWorkflowTypeAsync(string name, CancellationToken ct) => ReadAsync(
        sql => De<WorkflowTypeRecord>((string?)sql.Scalar("SELECT data FROM workflow_types WHERE name=$n", ("$n", name))), ct);

    private static UpdateRecord? ReadUpdate(SqlCommands sql, string updateId) => sql.Query(
        "SELECT update_id, workflow_id, run_id, name, state, result, failure FROM updates WHERE update_id=$u",
        r => new UpdateRecord
        {
            UpdateId = r.GetString(0), WorkflowId = r.GetString(1), RunId = r.GetString(2), Name = r.GetString(3),
            State = (UpdateState)r.GetInt32(4), ResultJson = Str(r, 5), Failure = De<FailureInfo>(Str(r, 6)),
        },
        ("$u", updateId)).FirstOrDefault();

    private static QueryRecord MapQuery(Microsoft.Data.Sqlite.SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0), RunId = r.GetString(1), Name = r.GetString(2), ArgsJson = r.GetString(3),
        Answered = r.GetInt64(4) != 0, ResultJson = Str(r, 5), Failure = De<FailureInfo>(Str(r, 6)),
    };

    private static List<HistoryEvent> ReadEvents(SqlCommands sql, string runId, long afterEventId) => sql.Query(
        "SELECT data FROM events WHERE run_id=$r AND event_id>$a ORDER BY event_id",
        r => De<HistoryEvent>(r.GetString(0))!,
        ("$r", runId), ("$a", afterEventId));

    private void InsertRun(WriteContext ctx, StartWorkflowRequest req, (string WorkflowId, string RunId, long EventId, ParentClosePolicy Policy)? parent, long now)
    {
        var started = new HistoryEvent
        {
            EventId = 1,
            EventType = EventType.WorkflowExecutionStarted,
            Timestamp = FromMs(now),
            Name = req.WorkflowType,
            Payload = req.ArgsJson,
            TaskQueue = req.TaskQueue,
            Identity = req.Identity,
            RunId = req.ContinuedRunId,
            WorkflowId = parent?.WorkflowId,
            Details = Ser(new StartedDetails(req.RandomSeed, parent?.RunId)),
        };
        var data = Ser(started)!;
        ctx.Sql.Exec(
            """
            INSERT INTO runs(run_id, workflow_id, workflow_type, task_queue, status, start_time, last_event_id, history_size, version,
                             ready_at, parent_workflow_id, parent_run_id, parent_event_id, parent_close_policy, continued_run_id, first_run_id)
            VALUES($r, $w, $t, $q, 1, $now, 1, $size, 1, $now, $pw, $pr, $pe, $pp, $c, $f)
            """,
            ("$r", req.RunId), ("$w", req.WorkflowId), ("$t", req.WorkflowType), ("$q", req.TaskQueue), ("$now", now), ("$size", data.Length),
            ("$pw", parent?.WorkflowId), ("$pr", parent?.RunId), ("$pe", parent?.EventId), ("$pp", parent is null ? null : (int)parent.Value.Policy),
            ("$c", req.ContinuedRunId), ("$f", req.FirstRunId ?? req.RunId));
        ctx.Sql.Exec("INSERT INTO events(run_id, event_id, data) VALUES($r, 1, $d)", ("$r", req.RunId), ("$d", data));
        // Eager start: the run is that worker's, which runs its first task without claiming it (if it dies first, reaping
        // makes the run ready for the others). Only while the worker is registered: one that unregistered meanwhile would
        // never be reaped, so the run stays ready for whoever claims it, as a normal start.
        if (req.EagerWorkerId is not null
            && ctx.Sql.Exec("UPDATE runs SET owner=$o, ready_at=NULL WHERE run_id=$r AND EXISTS(SELECT 1 FROM workers WHERE worker_id=$o)", ("$o", req.EagerWorkerId), ("$r", req.RunId)) == 1)
        {
            return;
        }

        ctx.Pulses.Add(StoreNotifier.WorkKey);
    }

    private static void AppendInbox(WriteContext ctx, string runId, HistoryEvent e, long now, bool markReady = true)
    {
        ctx.Sql.Exec("INSERT INTO inbox(run_id, data) VALUES($r, $d)", ("$r", runId), ("$d", Ser(e)));
        if (!markReady)
        {
            return;
        }

        ctx.Sql.Exec("UPDATE runs SET ready_at=$now WHERE run_id=$r AND status=1 AND (ready_at IS NULL OR ready_at>$now)", ("$r", runId), ("$now", now));
        ctx.Pulses.Add(StoreNotifier.WorkKey);
    }

    private void TerminateRun(WriteContext ctx, RunRecord run, string reason, string identity, long now)
    {
        var failure = new FailureInfo { Message = reason, Kind = "Terminated", Type = "Terminated" };
        var e = new HistoryEvent
        {
            EventId = run.LastEventId + 1, EventType = EventType.WorkflowExecutionTerminated, Timestamp = FromMs(now), Details = reason, Identity = identity, Failure = failure,
        };
        var data = Ser(e)!;
        ctx.Sql.Exec("INSERT INTO events(run_id, event_id, data) VALUES($r, $e, $d)", ("$r", run.RunId), ("$e", e.EventId), ("$d", data));
        ctx.Sql.Exec(
            "UPDATE runs SET status=$s, close_time=$now, failure=$f, version=version+1, last_event_id=$e, history_size=history_size+$z, ready_at=NULL WHERE run_id=$r",
            ("$s", (int)WorkflowExecutionStatus.Terminated), ("$now", now), ("$f", Ser(failure)), ("$e", e.EventId), ("$z", data.Length), ("$r", run.RunId));
        CloseCleanup(ctx, run, WorkflowExecutionStatus.Terminated, null, failure, null, now);
    }

    /// <summary>Everything that follows a run's close, in the same transaction: timers, activities, inbox, updates, parent, children.</summary>
    private void CloseCleanup(WriteContext ctx, RunRecord run, WorkflowExecutionStatus status, string? resultJson, FailureInfo? failure, string? nextRunId, long now)
    {
        var sql = ctx.Sql;
        sql.Exec("DELETE FROM timers WHERE run_id=$r", ("$r", run.RunId));
        sql.Exec("DELETE FROM activities WHERE run_id=$r", ("$r", run.RunId));
        var closedFailure = new FailureInfo { Message = $"the workflow closed ({status}) before the update completed", Type = "WorkflowClosed", Kind = "Application" };
        if (nextRunId is not null)
        {
            // Signals, updates and cancellation requests that arrived while the run was deciding to continue go to the next
            // run. Outcomes of this run's activities, timers, children and external requests do not: their event ids mean
            // nothing in the next run's history (they could resolve one of its own with the same id).
            sql.Exec(
                "UPDATE inbox SET run_id=$n WHERE run_id=$r AND json_extract(data, '$.eventType') IN ('WorkflowExecutionSignaled', 'WorkflowExecutionUpdateAccepted', 'WorkflowExecutionCancelRequested')",
                ("$n", nextRunId), ("$r", run.RunId));
            sql.Exec("DELETE FROM inbox WHERE run_id=$r", ("$r", run.RunId));
            sql.Exec("UPDATE updates SET run_id=$n WHERE run_id=$r AND state=0", ("$n", nextRunId), ("$r", run.RunId));
        }
        else
        {
            foreach (var id in sql.Query("SELECT update_id FROM updates WHERE run_id=$r AND state=0", r => r.GetString(0), ("$r", run.RunId)))
            {
                sql.Exec("UPDATE updates SET state=2, failure=$f WHERE update_id=$u", ("$f", Ser(closedFailure)), ("$u", id));
                ctx.Pulses.Add(StoreNotifier.UpdateKey(id));
            }

            sql.Exec("DELETE FROM inbox WHERE run_id=$r", ("$r", run.RunId));
        }

        foreach (var id in sql.Query("SELECT update_id FROM updates WHERE run_id=$r AND state=1", r => r.GetString(0), ("$r", run.RunId)))
        {
            sql.Exec("UPDATE updates SET state=3, failure=$f WHERE update_id=$u", ("$f", Ser(closedFailure)), ("$u", id));
            ctx.Pulses.Add(StoreNotifier.UpdateKey(id));
        }

        // Tell the parent, unless the chain goes on as a new run (the parent hears when the last run closes).
        if (nextRunId is null && sql.Query("SELECT parent_run_id, parent_event_id FROM runs WHERE run_id=$r AND parent_run_id IS NOT NULL", r => (r.GetString(0), r.GetInt64(1)), ("$r", run.RunId)) is [var (parentRunId, parentEventId)])
        {
            var parentOpen = sql.Scalar("SELECT 1 FROM runs WHERE run_id=$p AND status=1", ("$p", parentRunId)) is not null;
            if (parentOpen)
            {
                var type = status switch
                {
                    WorkflowExecutionStatus.Completed => EventType.ChildWorkflowExecutionCompleted,
                    WorkflowExecutionStatus.Canceled => EventType.ChildWorkflowExecutionCanceled,
                    WorkflowExecutionStatus.Terminated => EventType.ChildWorkflowExecutionTerminated,
                    WorkflowExecutionStatus.TimedOut => EventType.ChildWorkflowExecutionTimedOut,
                    _ => EventType.ChildWorkflowExecutionFailed,
                };
                AppendInbox(ctx, parentRunId, new HistoryEvent
                {
                    EventType = type, Timestamp = FromMs(now), ScheduledEventId = parentEventId, WorkflowId = run.WorkflowId, RunId = run.RunId,
                    Name = run.WorkflowType, Payload = resultJson, Failure = failure,
                }, now);
            }
        }

        foreach (var (childRunId, policy) in sql.Query("SELECT run_id, parent_close_policy FROM runs WHERE parent_run_id=$r AND status=1", r => (r.GetString(0), (ParentClosePolicy)r.GetInt32(1)), ("$r", run.RunId)))
        {
            var child = FindRunById(sql, childRunId)!;
            if (policy == ParentClosePolicy.Terminate)
            {
                TerminateRun(ctx, child, $"parent workflow '{run.WorkflowId}' closed ({status}) and the child's ParentClosePolicy is Terminate", "engine", now);
            }
            else if (policy == ParentClosePolicy.RequestCancel)
            {
                AppendInbox(ctx, child.RunId, new HistoryEvent { EventType = EventType.WorkflowExecutionCancelRequested, Timestamp = FromMs(now), Details = $"parent workflow '{run.WorkflowId}' closed", Identity = "engine" }, now);
            }
        }

        ctx.Pulses.Add(StoreNotifier.RunKey(run.RunId));
    }

    /// <summary>Extra attributes of the WorkflowExecutionStarted event.</summary>
    internal sealed record StartedDetails(long RandomSeed, string? ParentRunId);
}
