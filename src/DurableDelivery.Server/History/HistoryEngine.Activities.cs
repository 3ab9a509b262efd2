using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.Matching;
using DurableDelivery.Server.Time;
using Google.Protobuf;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Sdk.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>
/// Activities: scheduling, dispatch, transient starts, server-side retries, the four timeouts, heartbeats.
/// </content>
internal sealed partial class HistoryEngine
{
    private void ScheduleActivity(Mutation m, Run run, ScheduleActivityTaskCommandAttributes a, long completedId,
        UserMetadata? metadata)
    {
        var s = run.S;
        var runTimeout = s.RunTimeoutMs;
        long s2c = Nanos.Ms(a.ScheduleToCloseTimeout), s2s = Nanos.Ms(a.ScheduleToStartTimeout);
        long stc = Nanos.Ms(a.StartToCloseTimeout), hb = Nanos.Ms(a.HeartbeatTimeout);
        if (s2c > 0)
        {
            s2s = s2s > 0 ? Math.Min(s2s, s2c) : s2c;
            stc = stc > 0 ? Math.Min(stc, s2c) : s2c;
        }
        else
        {
            s2c = runTimeout;
            if (s2s <= 0)
            {
                s2s = runTimeout;
            }
        }

        if (runTimeout > 0)
        {
            s2c = s2c > 0 ? Math.Min(s2c, runTimeout) : runTimeout;
            s2s = s2s > 0 ? Math.Min(s2s, runTimeout) : runTimeout;
            stc = Math.Min(stc, runTimeout);
        }

        hb = Math.Min(hb, stc);
        var policy = RetryPolicies.WithDefaults(a.RetryPolicy);
        var queue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? s.TaskQueue : a.TaskQueue.Name;
        var ev = AddEvent(m, run, EventType.ActivityTaskScheduled, e =>
        {
            e.ActivityTaskScheduledEventAttributes = new ActivityTaskScheduledEventAttributes
            {
                ActivityId = a.ActivityId,
                ActivityType = a.ActivityType,
                TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
                Header = a.Header,
                Input = a.Input,
                ScheduleToCloseTimeout = s2c > 0 ? Nanos.ToDuration(s2c) : null,
                ScheduleToStartTimeout = s2s > 0 ? Nanos.ToDuration(s2s) : null,
                StartToCloseTimeout = Nanos.ToDuration(stc),
                HeartbeatTimeout = hb > 0 ? Nanos.ToDuration(hb) : null,
                WorkflowTaskCompletedEventId = completedId,
                RetryPolicy = policy,
                Priority = a.Priority,
            };
            e.UserMetadata = metadata;
        });
        var now = Now;
        var activity = new ActivityState
        {
            ScheduledEventId = ev.EventId,
            ActivityId = a.ActivityId,
            ActivityType = a.ActivityType.Name,
            TaskQueue = queue,
            ScheduledTime = now,
            CurrentAttemptScheduledTime = now,
            ScheduleToCloseMs = s2c,
            ScheduleToStartMs = s2s,
            StartToCloseMs = stc,
            HeartbeatMs = hb,
            RetryPolicy = policy.ToByteArray(),
        };
        s.Activities[ev.EventId] = activity;
        if (eagerActivities is { Count: < MaxEagerActivities } eager && a.RequestEagerExecution
            && queue == s.TaskQueue)
        {
            // Eager: started in this same commit and handed back in the completion's response (no poll).
            eager.Add(activity);
            if (activity.ScheduleToCloseMs > 0)
            {
                AddTimer(run, TimerKind.ActivityScheduleToClose, activity.ScheduledEventId, 0, null,
                    activity.ScheduledTime + (activity.ScheduleToCloseMs * 1_000_000));
            }

            return;
        }

        ArmActivity(m, run, activity, recovering: false);
    }

    /// <summary>Activity attempts started eagerly so far (tests and benchmarks).</summary>
    public long EagerActivityStarts { get; private set; }

    /// <summary>Most activities one workflow task completion may take eagerly, as Temporal's default.</summary>
    private const int MaxEagerActivities = 3;

    /// <summary>Activities the workflow task being completed asked to run eagerly (set during a completion only).</summary>
    private List<ActivityState>? eagerActivities;

    /// <summary>Queues the activity's task and sets its timers, from its state (also after recovery).</summary>
    private void ArmActivity(Mutation m, Run run, ActivityState a, bool recovering)
    {
        if (a.RetryAt is { } retryAt)
        {
            AddTimer(run, TimerKind.ActivityRetry, a.ScheduledEventId, a.Attempt, null, retryAt);
        }
        else if (a.StartedTime is null)
        {
            var key = new QueueKey(run.S.Namespace, a.TaskQueue, true);
            var task = new ActivityTaskRef(run.S.RunId, a.ScheduledEventId, a.Attempt);
            m.Then(() => matching.Offer(key, task));
            if (a.ScheduleToStartMs > 0)
            {
                AddTimer(run, TimerKind.ActivityScheduleToStart, a.ScheduledEventId, a.Attempt, null,
                    a.CurrentAttemptScheduledTime + (a.ScheduleToStartMs * 1_000_000));
            }
        }
        else
        {
            AddTimer(run, TimerKind.ActivityStartToClose, a.ScheduledEventId, a.Attempt, null,
                a.StartedTime.Value + (a.StartToCloseMs * 1_000_000));
            if (a.HeartbeatMs > 0)
            {
                AddTimer(run, TimerKind.ActivityHeartbeat, a.ScheduledEventId, a.Attempt, null,
                    HeartbeatDeadline(a));
            }
        }

        if (a.ScheduleToCloseMs > 0 && (recovering || a.Attempt == 1 && a.RetryAt is null && a.StartedTime is null))
        {
            AddTimer(run, TimerKind.ActivityScheduleToClose, a.ScheduledEventId, 0, null,
                a.ScheduledTime + (a.ScheduleToCloseMs * 1_000_000));
        }
    }

    /// <summary>PollActivityTaskQueue.</summary>
    public async Task<PollActivityTaskQueueResponse> PollActivityTaskAsync(
        PollActivityTaskQueueRequest req, CancellationToken ct)
    {
        var key = new QueueKey(req.Namespace, req.TaskQueue.Name, true);
        var deadline = Clock.Now + limits.LongPollTimeout;
        while (!ct.IsCancellationRequested)
        {
            var left = deadline - Clock.Now;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            if (await matching.PollAsync(key, left, ct).ConfigureAwait(false) is not ActivityTaskRef task)
            {
                break;
            }

            var response = await MutateAsync(m => TryStartActivity(m, task, req.Identity)).ConfigureAwait(false);
            if (response is not null)
            {
                return response;
            }
        }

        return new PollActivityTaskQueueResponse();
    }

    private PollActivityTaskQueueResponse? TryStartActivity(Mutation m, ActivityTaskRef task, string identity)
    {
        if (!runs.TryGetValue(task.RunId, out var run) || !run.IsOpen
            || !run.S.Activities.TryGetValue(task.ScheduledEventId, out var a) || a.Attempt != task.Attempt
            || a.StartedTime is not null || a.RetryAt is not null)
        {
            return null;
        }

        return StartActivity(m, run, a, identity);
    }

    /// <summary>Starts a scheduled activity attempt (poll or eager) and builds its task.</summary>
    private PollActivityTaskQueueResponse StartActivity(Mutation m, Run run, ActivityState a, string identity)
    {
        var s = run.S;
        a.StartedTime = Now;
        a.StartedIdentity = identity;
        a.RequestId = Guid.NewGuid().ToString();
        m.Touch(run);
        ArmActivity(m, run, a, recovering: false);
        var scheduled = run.Events[(int)a.ScheduledEventId - 1].ActivityTaskScheduledEventAttributes;
        var response = new PollActivityTaskQueueResponse
        {
            TaskToken = ByteString.CopyFrom(new TaskToken(TaskToken.ActivityTask, s.Namespace, s.RunId,
                a.ScheduledEventId, a.Attempt, "").ToBytes()),
            WorkflowNamespace = s.Namespace,
            WorkflowType = new WorkflowType { Name = s.WorkflowType },
            WorkflowExecution = ExecutionOf(s),
            ActivityType = scheduled.ActivityType,
            ActivityId = a.ActivityId,
            Header = scheduled.Header,
            Input = scheduled.Input,
            ScheduledTime = Nanos.ToTimestamp(a.ScheduledTime),
            CurrentAttemptScheduledTime = Nanos.ToTimestamp(a.CurrentAttemptScheduledTime),
            StartedTime = Nanos.ToTimestamp(a.StartedTime.Value),
            Attempt = a.Attempt,
            ScheduleToCloseTimeout = scheduled.ScheduleToCloseTimeout,
            StartToCloseTimeout = scheduled.StartToCloseTimeout,
            HeartbeatTimeout = scheduled.HeartbeatTimeout,
            RetryPolicy = scheduled.RetryPolicy,
            Priority = scheduled.Priority,
        };
        if (a.HeartbeatDetails is not null)
        {
            response.HeartbeatDetails = Payloads.Parser.ParseFrom(a.HeartbeatDetails);
        }

        return response;
    }

    /// <summary>Finds a started activity by token, or NOT_FOUND (stale attempt, gone, run closed).</summary>
    private (Run Run, ActivityState Activity) StartedActivityOrThrow(ByteString tokenBytes, string ns)
    {
        var token = TaskToken.Parse(tokenBytes.Span);
        if (token is null || token.Kind != TaskToken.ActivityTask)
        {
            throw RpcErrors.InvalidArgument("TaskToken is not an activity task token of this server.");
        }

        if (!string.IsNullOrEmpty(ns) && token.Namespace != ns)
        {
            throw RpcErrors.InvalidArgument($"the task token belongs to namespace {token.Namespace}, not {ns}.");
        }

        if (!runs.TryGetValue(token.RunId, out var run) || !run.IsOpen)
        {
            throw RpcErrors.NotFound("workflow execution already completed");
        }

        if (!run.S.Activities.TryGetValue(token.EventId, out var a) || a.Attempt != token.Attempt
            || a.StartedTime is null)
        {
            throw RpcErrors.NotFound("activity task not found.");
        }

        return (run, a);
    }

    private (Run Run, ActivityState Activity) StartedActivityByIdOrThrow(
        string ns, string workflowId, string runId, string activityId, bool startIfScheduled = true)
    {
        var run = FindRun(ns, workflowId, runId);
        if (run is null || !run.IsOpen)
        {
            throw RpcErrors.NotFound("workflow execution already completed");
        }

        var a = run.S.Activities.Values.FirstOrDefault(x => x.ActivityId == activityId);
        if (a is null)
        {
            throw RpcErrors.NotFound("activity task not found.");
        }

        if (a.StartedTime is null && startIfScheduled)
        {
            // Completing by id an activity not started yet starts it on the spot, as Temporal does.
            a.StartedTime = Now;
            a.StartedIdentity = "";
            a.RetryAt = null;
        }

        return (run, a);
    }

    /// <summary>RespondActivityTaskCompleted (by token).</summary>
    public Task CompleteActivityAsync(RespondActivityTaskCompletedRequest req) => MutateAsync(m =>
    {
        var (run, a) = StartedActivityOrThrow(req.TaskToken, req.Namespace);
        CompleteActivity(m, run, a, req.Result, req.Identity);
    });

    /// <summary>RespondActivityTaskCompletedById.</summary>
    public Task CompleteActivityByIdAsync(RespondActivityTaskCompletedByIdRequest req) => MutateAsync(m =>
    {
        var (run, a) = StartedActivityByIdOrThrow(req.Namespace, req.WorkflowId, req.RunId, req.ActivityId);
        CompleteActivity(m, run, a, req.Result, req.Identity);
    });

    private void CompleteActivity(Mutation m, Run run, ActivityState a, Payloads? result, string identity)
    {
        AddActivityStarted(m, run, a);
        AddExternalEvent(m, run, EventType.ActivityTaskCompleted, e =>
            e.ActivityTaskCompletedEventAttributes = new ActivityTaskCompletedEventAttributes
            {
                Result = result,
                ScheduledEventId = a.ScheduledEventId,
                StartedEventId = StartedIdPlaceholder(run),
                Identity = identity,
            });
        run.S.Activities.Remove(a.ScheduledEventId);
    }

    /// <summary>The started event's id when written directly (it is the last event), else -1 for the buffer's
    /// fix-up.</summary>
    private static long StartedIdPlaceholder(Run run) => run.WftStarted ? -1 : run.S.NextEventId - 1;

    private void AddActivityStarted(Mutation m, Run run, ActivityState a)
    {
        AddExternalEvent(m, run, EventType.ActivityTaskStarted, e =>
            e.ActivityTaskStartedEventAttributes = new ActivityTaskStartedEventAttributes
            {
                ScheduledEventId = a.ScheduledEventId,
                Identity = a.StartedIdentity ?? "",
                RequestId = a.RequestId ?? "",
                Attempt = a.Attempt,
                LastFailure = a.LastFailure is null ? null : Failure.Parser.ParseFrom(a.LastFailure),
            }, scheduleTask: false);
    }

    /// <summary>RespondActivityTaskFailed.</summary>
    public Task FailActivityAsync(RespondActivityTaskFailedRequest req) => MutateAsync(m =>
    {
        var (run, a) = StartedActivityOrThrow(req.TaskToken, req.Namespace);
        if (req.LastHeartbeatDetails is not null)
        {
            a.HeartbeatDetails = req.LastHeartbeatDetails.ToByteArray();
        }

        FailActivity(m, run, a, req.Failure, req.Identity);
    });

    /// <summary>RespondActivityTaskFailedById.</summary>
    public Task FailActivityByIdAsync(RespondActivityTaskFailedByIdRequest req) => MutateAsync(m =>
    {
        var (run, a) = StartedActivityByIdOrThrow(req.Namespace, req.WorkflowId, req.RunId, req.ActivityId);
        if (req.LastHeartbeatDetails is not null)
        {
            a.HeartbeatDetails = req.LastHeartbeatDetails.ToByteArray();
        }

        FailActivity(m, run, a, req.Failure, req.Identity);
    });

    /// <summary>An attempt failed (or timed out): retry by the policy, else write the final outcome.</summary>
    private void FailActivity(Mutation m, Run run, ActivityState a, Failure failure, string identity,
        TimeoutType? timeout = null)
    {
        var policy = RetryPolicy.Parser.ParseFrom(a.RetryPolicy);
        long? expiry = a.ScheduleToCloseMs > 0 ? a.ScheduledTime + (a.ScheduleToCloseMs * 1_000_000) : null;

        // As Temporal's RetryActivity: an activity whose cancellation was requested is never retried.
        var decision = a.CancelRequested
            ? new RetryPolicies.Decision(false, 0, RetryState.CancelRequested)
            : RetryPolicies.Decide(policy, a.Attempt, failure, Now, expiry);
        if (timeout is not null and not TimeoutType.ScheduleToStart && decision.State == RetryState.Timeout)
        {
            // A timeout that leaves no time for another attempt is reported as schedule-to-close, as Temporal does.
            failure = ScheduleToCloseGiveUpFailure(a);
        }

        m.Touch(run);
        if (decision.Retry)
        {
            a.LastFailure = failure.ToByteArray();
            a.LastWorkerIdentity = a.StartedIdentity;
            a.Attempt++;
            a.StartedTime = null;
            a.StartedIdentity = null;
            a.LastHeartbeatTime = null;
            a.RetryAt = Now + (decision.DelayMs * 1_000_000);
            a.CurrentAttemptScheduledTime = a.RetryAt.Value;
            ArmActivity(m, run, a, recovering: false);
            return;
        }

        var started = a.StartedTime is not null;
        if (started)
        {
            AddActivityStarted(m, run, a);
        }

        var startedId = started ? StartedIdPlaceholder(run) : 0;
        if (timeout is null)
        {
            AddExternalEvent(m, run, EventType.ActivityTaskFailed, e =>
                e.ActivityTaskFailedEventAttributes = new ActivityTaskFailedEventAttributes
                {
                    Failure = failure,
                    ScheduledEventId = a.ScheduledEventId,
                    StartedEventId = startedId,
                    Identity = identity,
                    RetryState = decision.State,
                });
        }
        else
        {
            AddExternalEvent(m, run, EventType.ActivityTaskTimedOut, e =>
                e.ActivityTaskTimedOutEventAttributes = new ActivityTaskTimedOutEventAttributes
                {
                    Failure = failure,
                    ScheduledEventId = a.ScheduledEventId,
                    StartedEventId = startedId,
                    RetryState = decision.State,
                });
        }

        run.S.Activities.Remove(a.ScheduledEventId);
    }

    /// <summary>RespondActivityTaskCanceled.</summary>
    public Task CancelActivityAsync(RespondActivityTaskCanceledRequest req) => MutateAsync(m =>
    {
        var (run, a) = StartedActivityOrThrow(req.TaskToken, req.Namespace);
        CanceledActivity(m, run, a, req.Details, req.Identity);
    });

    /// <summary>RespondActivityTaskCanceledById.</summary>
    public Task CancelActivityByIdAsync(RespondActivityTaskCanceledByIdRequest req) => MutateAsync(m =>
    {
        var (run, a) = StartedActivityByIdOrThrow(req.Namespace, req.WorkflowId, req.RunId, req.ActivityId);
        CanceledActivity(m, run, a, req.Details, req.Identity);
    });

    private void CanceledActivity(Mutation m, Run run, ActivityState a, Payloads? details, string identity)
    {
        if (!a.CancelRequested)
        {
            throw RpcErrors.InvalidArgument(
                "RespondActivityTaskCanceled is only allowed after the workflow requested the activity's "
                + "cancellation.");
        }

        AddActivityStarted(m, run, a);
        AddExternalEvent(m, run, EventType.ActivityTaskCanceled, e =>
            e.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
            {
                Details = details,
                LatestCancelRequestedEventId = a.CancelRequestedEventId,
                ScheduledEventId = a.ScheduledEventId,
                StartedEventId = StartedIdPlaceholder(run),
                Identity = identity,
            });
        run.S.Activities.Remove(a.ScheduledEventId);
    }

    /// <summary>RecordActivityTaskHeartbeat: keeps details, resets the heartbeat timer, tells of a cancel request.
    /// </summary>
    public Task<RecordActivityTaskHeartbeatResponse> HeartbeatAsync(RecordActivityTaskHeartbeatRequest req) =>
        MutateAsync(m =>
        {
            var (run, a) = StartedActivityOrThrow(req.TaskToken, req.Namespace);
            return Heartbeat(m, run, a, req.Details);
        });

    /// <summary>RecordActivityTaskHeartbeatById.</summary>
    public Task<RecordActivityTaskHeartbeatByIdResponse> HeartbeatByIdAsync(RecordActivityTaskHeartbeatByIdRequest req)
        => MutateAsync(m =>
        {
            // A heartbeat only records progress (Temporal): it must not start an activity a worker has yet to run.
            var (run, a) = StartedActivityByIdOrThrow(req.Namespace, req.WorkflowId, req.RunId, req.ActivityId,
                startIfScheduled: false);
            var r = Heartbeat(m, run, a, req.Details);
            return new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = r.CancelRequested };
        });

    private RecordActivityTaskHeartbeatResponse Heartbeat(Mutation m, Run run, ActivityState a, Payloads? details)
    {
        a.HeartbeatDetails = details?.ToByteArray();
        a.LastHeartbeatTime = Now;
        m.Touch(run);
        if (a.HeartbeatMs > 0)
        {
            AddTimer(run, TimerKind.ActivityHeartbeat, a.ScheduledEventId, a.Attempt, null,
                a.LastHeartbeatTime.Value + (a.HeartbeatMs * 1_000_000));
        }

        return new RecordActivityTaskHeartbeatResponse { CancelRequested = a.CancelRequested };
    }

    /// <summary>RequestCancelActivityTask command; returns whether a new workflow task is needed.</summary>
    private bool RequestCancelActivity(Mutation m, Run run, long scheduledEventId, long completedId)
    {
        var ev = AddEvent(m, run, EventType.ActivityTaskCancelRequested, e =>
            e.ActivityTaskCancelRequestedEventAttributes = new ActivityTaskCancelRequestedEventAttributes
            {
                ScheduledEventId = scheduledEventId,
                WorkflowTaskCompletedEventId = completedId,
            });
        if (!run.S.Activities.TryGetValue(scheduledEventId, out var a))
        {
            return false;
        }

        if (a.StartedTime is null)
        {
            AddEvent(m, run, EventType.ActivityTaskCanceled, e =>
                e.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
                {
                    LatestCancelRequestedEventId = ev.EventId,
                    ScheduledEventId = scheduledEventId,
                    StartedEventId = 0,
                });
            run.S.Activities.Remove(scheduledEventId);
            return true;
        }

        a.CancelRequested = true;
        a.CancelRequestedEventId = ev.EventId;
        return false;
    }

    /// <summary>An activity timer fired: timeouts (retried where Temporal retries) and the end of a retry backoff.
    /// </summary>
    private void OnActivityTimer(Mutation m, Run run, TimerEntry entry)
    {
        if (!run.S.Activities.TryGetValue(entry.Id, out var a))
        {
            return;
        }

        switch (entry.Kind)
        {
            case TimerKind.ActivityRetry when a.Attempt == entry.Attempt && a.RetryAt is not null:
                a.RetryAt = null;
                m.Touch(run);
                ArmActivity(m, run, a, recovering: false);
                break;
            case TimerKind.ActivityScheduleToStart when a.Attempt == entry.Attempt && a.StartedTime is null
                && a.RetryAt is null:
                FailActivity(m, run, a, TimeoutFailure(TimeoutType.ScheduleToStart, a), "",
                    TimeoutType.ScheduleToStart);
                break;
            case TimerKind.ActivityStartToClose when a.Attempt == entry.Attempt && a.StartedTime is not null
                && entry.Due == a.StartedTime.Value + (a.StartToCloseMs * 1_000_000):
                FailActivity(m, run, a, TimeoutFailure(TimeoutType.StartToClose, a), "", TimeoutType.StartToClose);
                break;
            case TimerKind.ActivityHeartbeat when a.Attempt == entry.Attempt && a.StartedTime is not null
                && entry.Due == HeartbeatDeadline(a):
                FailActivity(m, run, a, TimeoutFailure(TimeoutType.Heartbeat, a), "", TimeoutType.Heartbeat);
                break;
            case TimerKind.ActivityScheduleToClose:
                FailActivity(m, run, a, TimeoutFailure(TimeoutType.ScheduleToClose, a), "",
                    TimeoutType.ScheduleToClose);
                break;
        }
    }

    private static Failure TimeoutFailure(TimeoutType type, ActivityState a)
    {
        var failure = new Failure
        {
            Message = $"activity {TimeoutName(type)} timeout",
            Source = "Server",
            TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = type },
        };
        if (a.HeartbeatDetails is not null)
        {
            failure.TimeoutFailureInfo.LastHeartbeatDetails = Payloads.Parser.ParseFrom(a.HeartbeatDetails);
        }

        if (a.LastFailure is not null)
        {
            failure.Cause = Failure.Parser.ParseFrom(a.LastFailure);
        }

        return failure;
    }

    /// <summary>When a started activity's heartbeat timeout runs out: a heartbeat timeout after its start or its
    /// last heartbeat, whichever came later (a heartbeat by id may come before the start).</summary>
    private static long HeartbeatDeadline(ActivityState a) =>
        Math.Max(a.LastHeartbeatTime ?? 0, a.StartedTime!.Value) + (a.HeartbeatMs * 1_000_000);

    private static Failure ScheduleToCloseGiveUpFailure(ActivityState a)
    {
        var failure = TimeoutFailure(TimeoutType.ScheduleToClose, a);
        failure.Message =
            "Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying";
        return failure;
    }

    private static string TimeoutName(TimeoutType type) => type switch
    {
        TimeoutType.ScheduleToStart => "ScheduleToStart",
        TimeoutType.ScheduleToClose => "ScheduleToClose",
        TimeoutType.Heartbeat => "Heartbeat",
        _ => "StartToClose",
    };
}
