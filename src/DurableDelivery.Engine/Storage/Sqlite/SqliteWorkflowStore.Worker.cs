using System.Text.Json;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>Worker-side operations: ownership, workflow tasks, activity tasks, queries, time skipping.</summary>
internal sealed partial class SqliteWorkflowStore
{
    public Task RegisterWorkerAsync(string workerId, CancellationToken ct)
    {
        var path = Path.Combine(workersDir, workerId + ".lock");
        var lockFile = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        ownLocks[workerId] = lockFile;
        return writer.WriteAsync(ctx => ctx.Sql.Exec(
            "INSERT INTO workers(worker_id, started) VALUES($w, $t) ON CONFLICT(worker_id) DO NOTHING", ("$w", workerId), ("$t", NowMs())));
    }

    public async Task UnregisterWorkerAsync(string workerId, CancellationToken ct)
    {
        await writer.WriteAsync(ctx =>
        {
            ReleaseOwned(ctx, workerId, died: false);
            return true;
        }).ConfigureAwait(false);
        if (ownLocks.TryRemove(workerId, out var l))
        {
            await l.DisposeAsync().ConfigureAwait(false);
            File.Delete(Path.Combine(workersDir, workerId + ".lock"));
        }
    }

    public async Task<int> ReapDeadWorkersAsync(string selfId, CancellationToken ct)
    {
        var workers = await ReadAsync(sql => sql.Query("SELECT worker_id FROM workers", r => r.GetString(0)), ct).ConfigureAwait(false);
        var dead = new List<string>();
        foreach (var w in workers)
        {
            if (w == selfId || ownLocks.ContainsKey(w))
            {
                continue;
            }

            var path = Path.Combine(workersDir, w + ".lock");
            try
            {
                // An advisory lock that we can take belongs to a process that is gone (the kernel released it).
                using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
                {
                }

                File.Delete(path);
                dead.Add(w);
            }
            catch (IOException)
            {
                // Held: the worker is alive.
            }
        }

        if (dead.Count > 0)
        {
            await writer.WriteAsync(ctx =>
            {
                foreach (var w in dead)
                {
                    ReleaseOwned(ctx, w, died: true);
                }

                return true;
            }).ConfigureAwait(false);
        }

        return dead.Count;
    }

    private void ReleaseOwned(WriteContext ctx, string workerId, bool died)
    {
        var now = NowMs();
        var sql = ctx.Sql;

        // A run claimed by the worker may have had its task in flight: make it ready so that it is looked at again.
        sql.Exec("UPDATE runs SET owner=NULL, ready_at=COALESCE(ready_at, $now) WHERE owner=$w AND status=1", ("$w", workerId), ("$now", now));
        sql.Exec("UPDATE runs SET owner=NULL WHERE owner=$w", ("$w", workerId));
        var failure = new FailureInfo
        {
            Message = died ? $"worker {workerId} died during the attempt" : $"worker {workerId} shut down during the attempt",
            Type = "WorkerLost",
            Kind = "Timeout",
        };
        sql.Exec(
            "UPDATE activities SET owner=NULL, attempt=attempt+1, visible_at=$now, deadline=NULL, attempt_started=NULL, last_failure=$f WHERE owner=$w",
            ("$w", workerId), ("$now", now), ("$f", Ser(failure)));
        sql.Exec("UPDATE queries SET owner=NULL WHERE owner=$w AND answered=0", ("$w", workerId));
        sql.Exec("DELETE FROM workers WHERE worker_id=$w", ("$w", workerId));
        ctx.Pulses.Add(StoreNotifier.WorkKey);
    }

    public async Task<IReadOnlyList<string>> ClaimReadyWorkflowsAsync(string workerId, IReadOnlyCollection<string> taskQueues, int limit, CancellationToken ct)
    {
        var (inList, qps) = InList("$q", taskQueues);
        var now = NowMs();
        var any = await ReadAsync(
            sql => sql.Scalar($"SELECT 1 FROM runs WHERE ready_at IS NOT NULL AND ready_at<=$now AND (owner IS NULL OR owner=$me) AND task_queue IN ({inList}) LIMIT 1", [("$now", now), ("$me", workerId), .. qps]),
            ct).ConfigureAwait(false);
        if (any is null)
        {
            return [];
        }

        return await writer.WriteAsync(ctx => ctx.Sql.Rows(
            $"UPDATE runs SET owner=$me, ready_at=NULL WHERE run_id IN (SELECT run_id FROM runs WHERE ready_at IS NOT NULL AND ready_at<=$now AND (owner IS NULL OR owner=$me) AND task_queue IN ({inList}) ORDER BY ready_at LIMIT $n) RETURNING run_id",
            r => r.GetString(0),
            [("$now", NowMs()), ("$me", workerId), ("$n", limit), .. qps])).ConfigureAwait(false);
    }

    public Task<WorkflowTaskInput?> LoadWorkflowTaskAsync(string runId, long afterEventId, CancellationToken ct) => ReadAsync(sql =>
    {
        var now = NowMs();
        var run = FindRunById(sql, runId);
        if (run is null)
        {
            return null;
        }

        return new WorkflowTaskInput
        {
            Run = run,
            History = ReadEvents(sql, runId, afterEventId),
            Inbox = sql.Rows("SELECT id, data FROM inbox WHERE run_id=$r ORDER BY id", r => new InboxItem(r.GetInt64(0), De<HistoryEvent>(r.GetString(1))!), ("$r", runId)),
            DueTimers = sql.Rows("SELECT event_id, fire_at FROM timers WHERE run_id=$r AND fire_at<=$now ORDER BY fire_at, event_id", r => new DueTimer(r.GetInt64(0), FromMs(r.GetInt64(1))), ("$r", runId), ("$now", now)),
            Now = FromMs(now),
        };
    }, ct);

    public Task<CommitOutcome> CommitWorkflowTaskAsync(WorkflowTaskCommit c, CancellationToken ct)
    {
        // JSON is written here, on the caller's thread: the single writer thread is the store's bottleneck, so it only runs SQL.
        // Straight to UTF-8, which is what SQLite stores: no string in between. The size stays in UTF-16 code units, as it was.
        var eventData = new Utf8Text[c.NewEvents.Count];
        long size = 0;
        for (var i = 0; i < eventData.Length; i++)
        {
            eventData[i] = new Utf8Text(JsonSerializer.SerializeToUtf8Bytes(c.NewEvents[i], Json));
            size += eventData[i].Utf16Length;
        }

        var activityOptions = c.NewActivities.Select(a => a.OptionsJson ?? Ser(a.Options)).ToArray();
        return CommitAsync();

        async Task<CommitOutcome> CommitAsync()
        {
            try
            {
                return await writer.WriteAsync(ctx => CommitWorkflowTask(ctx, c, eventData, size, activityOptions)).ConfigureAwait(false);
            }
            catch (CommitConflictException)
            {
                return CommitOutcome.Conflict;
            }
        }
    }

    /// <summary>
    /// Thrown inside a commit to roll its savepoint back: an activity attempt it records is no longer current, or an update
    /// admitted in memory has an id the store already has.
    /// </summary>
    private sealed class CommitConflictException : Exception;

    private CommitOutcome CommitWorkflowTask(WriteContext ctx, WorkflowTaskCommit c, Utf8Text[] eventData, long size, string?[] activityOptions)
    {
        var sql = ctx.Sql;
        var now = NowMs();

        // The version check and the read of what the commit needs from the run are one statement.
        var head = sql.Rows(
            "UPDATE runs SET version=version+1 WHERE run_id=$r AND version=$v AND status=1 AND owner=$me RETURNING workflow_id, workflow_type, version, last_event_id",
            r => (WorkflowId: r.GetString(0), WorkflowType: r.GetString(1), Version: r.GetInt64(2), LastEventId: r.GetInt64(3)),
            ("$r", c.RunId), ("$v", c.ExpectedVersion), ("$me", c.WorkerId));
        if (head.Count == 0)
        {
            return CommitOutcome.Conflict;
        }

        var run = head[0];
        foreach (var a in c.ResolvedActivities)
        {
            // As ResolveActivityAsync: only the attempt that still owns the task may record its outcome.
            if (sql.Exec("DELETE FROM activities WHERE run_id=$r AND scheduled_event_id=$s AND attempt=$a", ("$r", c.RunId), ("$s", a.ScheduledEventId), ("$a", a.Attempt)) == 0)
            {
                throw new CommitConflictException();
            }
        }

        InsertEvents(sql, c.RunId, c.NewEvents, eventData);

        foreach (var id in c.ConsumedInbox)
        {
            sql.Exec("DELETE FROM inbox WHERE id=$i", ("$i", id));
        }

        foreach (var t in c.FiredTimers.Concat(c.CanceledTimers))
        {
            sql.Exec("DELETE FROM timers WHERE run_id=$r AND event_id=$e", ("$r", c.RunId), ("$e", t));
        }

        foreach (var t in c.NewTimers)
        {
            sql.Exec("INSERT INTO timers(run_id, event_id, fire_at) VALUES($r, $e, $f)", ("$r", c.RunId), ("$e", t.StartedEventId), ("$f", t.FireAt.ToUnixTimeMilliseconds()));
        }

        var claimed = new List<ActivityTaskRecord>();
        for (var i = 0; i < c.NewActivities.Count; i++)
        {
            var a = c.NewActivities[i];
            var eager = a.Eager;
            long? deadline = eager ? Deadline(a.Options, now, now) : null;
            long? s2s = !eager && a.Options.ScheduleToStart is { } s ? now + (long)s.TotalMilliseconds : null;
            sql.Exec(
                """
                INSERT INTO activities(run_id, scheduled_event_id, workflow_id, workflow_type, activity_type, task_queue, args, options, attempt,
                                       scheduled_time, visible_at, owner, attempt_started, deadline, s2s_deadline)
                VALUES($r, $s, $w, $wt, $t, $q, $a, $o, 1, $now, $now, $own, $st, $dl, $s2s)
                """,
                ("$r", c.RunId), ("$s", a.ScheduledEventId), ("$w", run.WorkflowId), ("$wt", run.WorkflowType), ("$t", a.ActivityType), ("$q", a.TaskQueue),
                ("$a", a.ArgsJson), ("$o", activityOptions[i]), ("$now", now), ("$own", eager ? c.WorkerId : null), ("$st", eager ? now : null), ("$dl", deadline), ("$s2s", s2s));
            if (eager)
            {
                claimed.Add(new ActivityTaskRecord
                {
                    WorkflowId = run.WorkflowId, RunId = c.RunId, WorkflowType = run.WorkflowType, ScheduledEventId = a.ScheduledEventId, ActivityType = a.ActivityType,
                    TaskQueue = a.TaskQueue, ArgsJson = a.ArgsJson, Options = a.Options, Attempt = 1, ScheduledTime = FromMs(now), AttemptStartedTime = FromMs(now),
                    Deadline = FromMs(deadline!.Value), Owner = c.WorkerId,
                });
            }
            else
            {
                ctx.Pulses.Add(StoreNotifier.WorkKey);
            }
        }

        foreach (var scheduledId in c.CancelActivities)
        {
            var owner = sql.Rows("SELECT owner, attempt FROM activities WHERE run_id=$r AND scheduled_event_id=$s", r => (Owner: r.GetStringOrNull(0), Attempt: r.GetInt32(1)), ("$r", c.RunId), ("$s", scheduledId));
            if (owner is [{ Owner: null } pending])
            {
                // Not started anywhere: cancel it outright.
                sql.Exec("DELETE FROM activities WHERE run_id=$r AND scheduled_event_id=$s", ("$r", c.RunId), ("$s", scheduledId));
                AppendInbox(ctx, c.RunId, new HistoryEvent
                {
                    EventType = EventType.ActivityTaskCanceled, Timestamp = FromMs(now), ScheduledEventId = scheduledId, Attempt = pending.Attempt,
                    Failure = new FailureInfo { Message = "activity canceled before it started", Kind = "Canceled", Type = "Canceled" },
                }, now);
            }
            else if (owner.Count == 1)
            {
                sql.Exec("UPDATE activities SET cancel_requested=1 WHERE run_id=$r AND scheduled_event_id=$s", ("$r", c.RunId), ("$s", scheduledId));
            }
        }

        foreach (var u in c.Updates)
        {
            if (u.Admitted is { } a
                && sql.Exec(
                    "INSERT INTO updates(update_id, workflow_id, run_id, name, state, created) VALUES($u, $w, $r, $n, 0, $t) ON CONFLICT(update_id) DO NOTHING",
                    ("$u", u.UpdateId), ("$w", a.WorkflowId), ("$r", c.RunId), ("$n", a.Name), ("$t", a.Received.ToUnixTimeMilliseconds())) == 0)
            {
                // The id is taken: its caller sent it through the store too. Roll back; that copy is the one that runs.
                throw new CommitConflictException();
            }

            sql.Exec("UPDATE updates SET state=$s, result=$res, failure=$f WHERE update_id=$u", ("$s", (int)u.State), ("$res", u.ResultJson), ("$f", Ser(u.Failure)), ("$u", u.UpdateId));
            ctx.Pulses.Add(StoreNotifier.UpdateKey(u.UpdateId));
        }

        foreach (var child in c.ChildStarts)
        {
            var existing = sql.Scalar("SELECT run_id FROM runs WHERE workflow_id=$w AND status=1", ("$w", child.WorkflowId));
            if (existing is not null)
            {
                AppendInbox(ctx, c.RunId, new HistoryEvent
                {
                    EventType = EventType.StartChildWorkflowExecutionFailed, Timestamp = FromMs(now), ScheduledEventId = child.InitiatedEventId, WorkflowId = child.WorkflowId,
                    Failure = new FailureInfo { Message = $"a workflow with id '{child.WorkflowId}' is already running", Type = "WorkflowAlreadyStarted", NonRetryable = true },
                }, now);
                continue;
            }

            InsertRun(ctx, new StartWorkflowRequest
            {
                WorkflowId = child.WorkflowId, RunId = child.RunId, WorkflowType = child.WorkflowType, TaskQueue = child.TaskQueue, ArgsJson = child.ArgsJson,
                RandomSeed = child.RandomSeed, Identity = c.WorkerId,
            }, (run.WorkflowId, c.RunId, child.InitiatedEventId, child.ParentClosePolicy), now);
            AppendInbox(ctx, c.RunId, new HistoryEvent
            {
                EventType = EventType.ChildWorkflowExecutionStarted, Timestamp = FromMs(now), ScheduledEventId = child.InitiatedEventId, WorkflowId = child.WorkflowId, RunId = child.RunId, Name = child.WorkflowType,
            }, now);
        }

        // After the child starts, so that a child started in this task can already be signalled or canceled.
        foreach (var request in c.ExternalRequests)
        {
            DeliverExternalRequest(ctx, run.WorkflowId, c.RunId, request, now);
        }

        var lastEventId = c.NewEvents.Count > 0 ? c.NewEvents[^1].EventId : run.LastEventId;
        var more = false;
        if (c.Close is { } close)
        {
            string? nextRunId = close.NextRun?.RunId;
            sql.Exec(
                "UPDATE runs SET last_event_id=$e, history_size=history_size+$z, task_failure=NULL, task_attempt=0, status=$s, close_time=$now, result=$res, failure=$f, ready_at=NULL, next_run_id=$n WHERE run_id=$r",
                ("$e", lastEventId), ("$z", size), ("$s", (int)close.Status), ("$now", now), ("$res", close.ResultJson), ("$f", Ser(close.Failure)), ("$n", nextRunId), ("$r", c.RunId));
            if (close.NextRun is { } next)
            {
                var parent = sql.Query(
                    "SELECT parent_workflow_id, parent_run_id, parent_event_id, parent_close_policy FROM runs WHERE run_id=$r AND parent_run_id IS NOT NULL",
                    r => (r.GetString(0), r.GetString(1), r.GetInt64(2), (ParentClosePolicy)r.GetInt32(3)),
                    ("$r", c.RunId));
                InsertRun(ctx, next, parent.Count == 1 ? parent[0] : null, now);
            }

            CloseCleanup(ctx, FindRunById(sql, c.RunId)!, close.Status, close.ResultJson, close.Failure, nextRunId, now);
        }
        else
        {
            // One statement: the history position and when the run is next ready (now if its inbox has more, else its next timer).
            var readyAt = sql.Scalar(
                """
                UPDATE runs SET last_event_id=$e, history_size=history_size+$z, task_failure=NULL, task_attempt=0,
                  ready_at=CASE WHEN EXISTS(SELECT 1 FROM inbox WHERE run_id=$r) THEN $now ELSE (SELECT MIN(fire_at) FROM timers WHERE run_id=$r) END
                WHERE run_id=$r RETURNING ready_at
                """,
                ("$e", lastEventId), ("$z", size), ("$r", c.RunId), ("$now", now));
            var readyMs = readyAt is null ? (long?)null : Convert.ToInt64(readyAt, System.Globalization.CultureInfo.InvariantCulture);
            more = readyMs is { } ms && ms <= now;
        }

        return new CommitOutcome(true, run.Version, more, claimed);
    }

    /// <summary>
    /// Delivers a signal or cancellation request from the sender run to its target's inbox, and the outcome
    /// (<c>ExternalWorkflowExecutionSignaled</c>/<c>CancelRequested</c>, or the matching <c>...Failed</c>) to the sender's inbox,
    /// inside the sender's workflow-task commit: the request is delivered exactly once, with the event that initiated it.
    /// </summary>
    private void DeliverExternalRequest(WriteContext ctx, string senderWorkflowId, string senderRunId, ExternalRequest x, long now)
    {
        var sql = ctx.Sql;
        var ts = FromMs(now);
        var signal = x.SignalName is not null;
        var target = x.RunId is null
            ? sql.Query("SELECT run_id, parent_run_id FROM runs WHERE workflow_id=$w AND status=1", r => (RunId: r.GetString(0), ParentRunId: Str(r, 1)), ("$w", x.WorkflowId))
            : sql.Query("SELECT run_id, parent_run_id FROM runs WHERE run_id=$r AND workflow_id=$w AND status=1", r => (RunId: r.GetString(0), ParentRunId: Str(r, 1)), ("$r", x.RunId), ("$w", x.WorkflowId));
        if (target is [var t] && (!x.ChildWorkflowOnly || t.ParentRunId == senderRunId))
        {
            AppendInbox(ctx, t.RunId, signal
                ? new HistoryEvent
                {
                    EventType = EventType.WorkflowExecutionSignaled, Timestamp = ts, Name = x.SignalName, Payload = x.ArgsJson, Identity = senderWorkflowId,
                    WorkflowId = senderWorkflowId, RunId = senderRunId,
                }
                : new HistoryEvent
                {
                    EventType = EventType.WorkflowExecutionCancelRequested, Timestamp = ts, Details = x.Reason, Identity = senderWorkflowId, WorkflowId = senderWorkflowId, RunId = senderRunId,
                }, now);
            AppendInbox(ctx, senderRunId, new HistoryEvent
            {
                EventType = signal ? EventType.ExternalWorkflowExecutionSignaled : EventType.ExternalWorkflowExecutionCancelRequested, Timestamp = ts,
                ScheduledEventId = x.InitiatedEventId, Name = x.SignalName, WorkflowId = x.WorkflowId, RunId = t.RunId,
            }, now, markReady: false);
            return;
        }

        // Temporal's messages and cause, plus what exactly was not found.
        var what = target.Count == 1 ? $"workflow '{x.WorkflowId}' is not a child of this workflow" : DescribeMissingTarget(sql, x.WorkflowId, x.RunId);
        AppendInbox(ctx, senderRunId, new HistoryEvent
        {
            EventType = signal ? EventType.SignalExternalWorkflowExecutionFailed : EventType.RequestCancelExternalWorkflowExecutionFailed, Timestamp = ts,
            ScheduledEventId = x.InitiatedEventId, Name = x.SignalName, WorkflowId = x.WorkflowId, RunId = x.RunId,
            Failure = new FailureInfo
            {
                Message = (signal ? "Unable to signal external workflow because it was not found: " : "Unable to cancel external workflow because not found: ") + what,
                Type = "ExternalWorkflowExecutionNotFound",
            },
        }, now, markReady: false);
    }

    private static string DescribeMissingTarget(SqlCommands sql, string workflowId, string? runId)
    {
        var last = runId is null
            ? sql.Query("SELECT status FROM runs WHERE workflow_id=$w ORDER BY start_time DESC, rowid DESC LIMIT 1", r => (WorkflowExecutionStatus)r.GetInt32(0), ("$w", workflowId))
            : sql.Query("SELECT status FROM runs WHERE run_id=$r AND workflow_id=$w", r => (WorkflowExecutionStatus)r.GetInt32(0), ("$r", runId), ("$w", workflowId));
        var name = runId is null ? $"workflow '{workflowId}'" : $"run '{runId}' of workflow '{workflowId}'";
        return last is [var status] ? $"{name} is closed ({status})" : $"no {name} exists";
    }

    /// <summary>Appends events with one multi-row INSERT per chunk (one statement instead of one per event).</summary>
    private static void InsertEvents(SqlCommands sql, string runId, IReadOnlyList<HistoryEvent> events, Utf8Text[] data)
    {
        const int Chunk = 8;
        for (var start = 0; start < events.Count; start += Chunk)
        {
            var n = Math.Min(Chunk, events.Count - start);
            var ps = new (string, object?)[1 + (2 * n)];
            ps[0] = ("$r", runId);
            for (var i = 0; i < n; i++)
            {
                ps[1 + (2 * i)] = (EventIdParams[i], events[start + i].EventId);
                ps[2 + (2 * i)] = (EventDataParams[i], data[start + i]);
            }

            sql.Exec(InsertEventsSql[n], ps);
        }
    }

    private static readonly string[] EventIdParams = [.. Enumerable.Range(0, 8).Select(i => "$e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static readonly string[] EventDataParams = [.. Enumerable.Range(0, 8).Select(i => "$d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static readonly string[] InsertEventsSql = [.. Enumerable.Range(0, 9).Select(n =>
        "INSERT INTO events(run_id, event_id, data) VALUES " + string.Join(", ", Enumerable.Range(0, n).Select(i => $"($r, {EventIdParams[i]}, {EventDataParams[i]})")))];

    public Task FailWorkflowTaskAsync(string runId, string workerId, FailureInfo failure, DateTimeOffset retryAt, CancellationToken ct) => writer.WriteAsync(ctx => ctx.Sql.Exec(
        "UPDATE runs SET task_failure=$f, task_attempt=task_attempt+1, ready_at=$a WHERE run_id=$r AND status=1",
        ("$f", Ser(failure)), ("$a", retryAt.ToUnixTimeMilliseconds()), ("$r", runId)));

    public Task ReleaseWorkflowsAsync(string workerId, IReadOnlyCollection<string>? runIds, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        if (runIds is null)
        {
            ctx.Sql.Exec("UPDATE runs SET owner=NULL WHERE owner=$w", ("$w", workerId));
        }
        else
        {
            foreach (var r in runIds)
            {
                ctx.Sql.Exec("UPDATE runs SET owner=NULL WHERE owner=$w AND run_id=$r", ("$w", workerId), ("$r", r));
            }
        }

        return true;
    });

    public async Task<IReadOnlyList<ActivityTaskRecord>> ClaimActivityTasksAsync(string workerId, IReadOnlyCollection<string> taskQueues, int limit, CancellationToken ct)
    {
        var (inList, qps) = InList("$q", taskQueues);
        var any = await ReadAsync(
            sql => sql.Scalar($"SELECT 1 FROM activities WHERE owner IS NULL AND visible_at<=$now AND cancel_requested=0 AND task_queue IN ({inList}) LIMIT 1", [("$now", NowMs()), .. qps]),
            ct).ConfigureAwait(false);
        if (any is null)
        {
            return [];
        }

        return await writer.WriteAsync(ctx =>
        {
            var now = NowMs();
            var candidates = ctx.Sql.Query(
                $"SELECT {ActivityColumns} FROM activities WHERE owner IS NULL AND visible_at<=$now AND cancel_requested=0 AND task_queue IN ({inList}) ORDER BY visible_at LIMIT $n",
                MapActivity,
                [("$now", now), ("$n", limit), .. qps]);
            var result = new List<ActivityTaskRecord>(candidates.Count);
            foreach (var a in candidates)
            {
                var deadline = Deadline(a.Options, now, a.ScheduledTime.ToUnixTimeMilliseconds());
                ctx.Sql.Exec(
                    "UPDATE activities SET owner=$me, attempt_started=$now, deadline=$dl, s2s_deadline=NULL WHERE run_id=$r AND scheduled_event_id=$s",
                    ("$me", workerId), ("$now", now), ("$dl", deadline), ("$r", a.RunId), ("$s", a.ScheduledEventId));
                result.Add(a with { Owner = workerId, AttemptStartedTime = FromMs(now), Deadline = FromMs(deadline) });
            }

            return result;
        }).ConfigureAwait(false);
    }

    public Task<ActivityResolution> ResolveActivityAsync(ActivityKey key, int attempt, HistoryEvent outcome, string? localWorker, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        if (ctx.Sql.Exec("DELETE FROM activities WHERE run_id=$r AND scheduled_event_id=$s AND attempt=$a", ("$r", key.RunId), ("$s", key.ScheduledEventId), ("$a", attempt)) == 0)
        {
            return ActivityResolution.Stale;
        }

        var now = NowMs();
        var local = localWorker is not null && ctx.Sql.Scalar("SELECT 1 FROM runs WHERE run_id=$r AND owner=$w", ("$r", key.RunId), ("$w", localWorker)) is not null;
        AppendInbox(ctx, key.RunId, outcome with { Timestamp = FromMs(now), ScheduledEventId = key.ScheduledEventId, Attempt = attempt }, now, markReady: !local);
        return local ? ActivityResolution.ResolvedLocal : ActivityResolution.Resolved;
    });

    public Task<bool> RetryActivityAsync(ActivityKey key, int attempt, FailureInfo failure, DateTimeOffset visibleAt, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var visible = visibleAt.ToUnixTimeMilliseconds();
        var changed = ctx.Sql.Exec(
            "UPDATE activities SET attempt=attempt+1, owner=NULL, visible_at=$v, deadline=NULL, attempt_started=NULL, last_failure=$f WHERE run_id=$r AND scheduled_event_id=$s AND attempt=$a",
            ("$v", visible), ("$f", Ser(failure)), ("$r", key.RunId), ("$s", key.ScheduledEventId), ("$a", attempt)) > 0;
        if (changed)
        {
            ctx.Pulses.Add(StoreNotifier.WorkKey);
        }

        return changed;
    });

    public Task<HeartbeatOutcome> HeartbeatActivityAsync(ActivityKey key, int attempt, string? detailsJson, DateTimeOffset? newDeadline, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        var rows = ctx.Sql.Query(
            "UPDATE activities SET heartbeat_details=COALESCE($d, heartbeat_details), last_heartbeat=$now, deadline=COALESCE($dl, deadline) WHERE run_id=$r AND scheduled_event_id=$s AND attempt=$a RETURNING cancel_requested",
            r => r.GetInt64(0) != 0,
            ("$d", detailsJson), ("$now", NowMs()), ("$dl", newDeadline?.ToUnixTimeMilliseconds()), ("$r", key.RunId), ("$s", key.ScheduledEventId), ("$a", attempt));
        return rows.Count == 0 ? new HeartbeatOutcome(false, true) : new HeartbeatOutcome(true, rows[0]);
    });

    public Task<IReadOnlyList<ActivityTaskRecord>> GetExpiredActivitiesAsync(IReadOnlyCollection<string> taskQueues, int limit, CancellationToken ct)
    {
        var (inList, qps) = InList("$q", taskQueues);
        return ReadAsync<IReadOnlyList<ActivityTaskRecord>>(
            sql => sql.Query(
                $"SELECT {ActivityColumns} FROM activities WHERE ((owner IS NOT NULL AND deadline<=$now) OR (owner IS NULL AND s2s_deadline IS NOT NULL AND s2s_deadline<=$now)) AND task_queue IN ({inList}) LIMIT $n",
                MapActivity,
                [("$now", NowMs()), ("$n", limit), .. qps]),
            ct);
    }

    public async Task<IReadOnlyList<QueryRecord>> ClaimQueriesAsync(string workerId, IReadOnlyCollection<string> workflowTypes, int limit, CancellationToken ct)
    {
        var (inList, ps) = InList("$t", workflowTypes);
        var any = await ReadAsync(sql => sql.Scalar($"SELECT 1 FROM queries WHERE owner IS NULL AND answered=0 AND workflow_type IN ({inList}) LIMIT 1", [.. ps]), ct).ConfigureAwait(false);
        if (any is null)
        {
            return [];
        }

        return await writer.WriteAsync(ctx => ctx.Sql.Query(
            $"UPDATE queries SET owner=$me WHERE id IN (SELECT id FROM queries WHERE owner IS NULL AND answered=0 AND workflow_type IN ({inList}) ORDER BY id LIMIT $n) RETURNING id, run_id, name, args, answered, result, failure",
            MapQuery,
            [("$me", workerId), ("$n", limit), .. ps])).ConfigureAwait(false);
    }

    public Task AnswerQueryAsync(long queryId, string? resultJson, FailureInfo? failure, CancellationToken ct) => writer.WriteAsync(ctx =>
    {
        ctx.Sql.Exec("UPDATE queries SET answered=1, result=$r, failure=$f WHERE id=$i", ("$r", resultJson), ("$f", Ser(failure)), ("$i", queryId));
        ctx.Pulses.Add(StoreNotifier.QueryKey(queryId));
        return true;
    });

    public Task<DateTimeOffset?> NextDueTimeAsync(CancellationToken ct) => ReadAsync(sql =>
    {
        var v = sql.Scalar(
            """
            SELECT MIN(t) FROM (
              SELECT MIN(ready_at) AS t FROM runs WHERE ready_at IS NOT NULL AND ready_at>$now
              UNION ALL SELECT MIN(visible_at) FROM activities WHERE owner IS NULL AND visible_at>$now
              UNION ALL SELECT MIN(deadline) FROM activities WHERE owner IS NOT NULL AND deadline>$now
              UNION ALL SELECT MIN(s2s_deadline) FROM activities WHERE owner IS NULL AND s2s_deadline>$now)
            """,
            ("$now", NowMs()));
        return FromMs(v);
    }, ct);

    public Task<bool> HasDueWorkAsync(CancellationToken ct) => ReadAsync(sql => sql.Scalar(
        """
        SELECT 1 WHERE EXISTS(SELECT 1 FROM runs WHERE ready_at IS NOT NULL AND ready_at<=$now)
          OR EXISTS(SELECT 1 FROM activities WHERE owner IS NULL AND visible_at<=$now AND cancel_requested=0)
          OR EXISTS(SELECT 1 FROM activities WHERE owner IS NOT NULL AND deadline<=$now)
          OR EXISTS(SELECT 1 FROM activities WHERE owner IS NULL AND s2s_deadline<=$now)
          OR EXISTS(SELECT 1 FROM queries WHERE owner IS NULL AND answered=0)
        """,
        ("$now", NowMs())) is not null, ct);

    /// <summary>The attempt deadline: the attempt timeout, the heartbeat timeout and the schedule-to-close limit, whichever comes first.</summary>
    private static long Deadline(ActivityOptionsRecord o, long now, long scheduledMs)
    {
        var deadline = now + (long)Math.Min(o.AttemptTimeout.TotalMilliseconds, TimeSpan.FromDays(3650).TotalMilliseconds);
        if (o.Heartbeat is { } hb)
        {
            deadline = Math.Min(deadline, now + (long)hb.TotalMilliseconds);
        }

        if (o.ScheduleToClose is { } s2c)
        {
            deadline = Math.Min(deadline, scheduledMs + (long)s2c.TotalMilliseconds);
        }

        return deadline;
    }

    private static (string InList, (string, object?)[] Parameters) InList(string prefix, IReadOnlyCollection<string> values)
    {
        if (values.Count == 0)
        {
            return ("NULL", []);
        }

        var ps = values.Select((v, i) => (prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)v)).ToArray();
        return (string.Join(", ", ps.Select(p => p.Item1)), ps);
    }
}
