using DurableDelivery.Server.Time;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Sdk.V1;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>Commands from a completed workflow task become events; protocol messages become update outcomes.</content>
internal sealed partial class HistoryEngine
{
    /// <summary>Checks every command before anything changes; the first problem fails the task with its cause.
    /// </summary>
    private (WorkflowTaskFailedCause Cause, string Message)? ValidateCommands(
        Run run, RespondWorkflowTaskCompletedRequest req)
    {
        var s = run.S;
        var activityIds = new HashSet<string>(s.Activities.Values.Select(a => a.ActivityId));
        var timerIds = new HashSet<string>(s.Timers.Keys);
        var firedTimerIds = BufferedTimerFiredIds(s);
        for (var i = 0; i < req.Commands.Count; i++)
        {
            var c = req.Commands[i];
            if (IsCloseCommand(c.CommandType) && i != req.Commands.Count - 1)
            {
                return (WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes,
                    $"invalid command sequence: {c.CommandType} must be the last command.");
            }

            switch (c.CommandType)
            {
                case CommandType.ScheduleActivityTask:
                {
                    var a = c.ScheduleActivityTaskCommandAttributes;
                    if (a is null || string.IsNullOrEmpty(a.ActivityId))
                    {
                        return (WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ActivityId is not set.");
                    }

                    if (string.IsNullOrEmpty(a.ActivityType?.Name))
                    {
                        return (WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ActivityType is not set.");
                    }

                    if (Nanos.Ms(a.StartToCloseTimeout) <= 0 && Nanos.Ms(a.ScheduleToCloseTimeout) <= 0)
                    {
                        return (WorkflowTaskFailedCause.BadScheduleActivityAttributes,
                            "A valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity.");
                    }

                    if (Negative(a.StartToCloseTimeout) || Negative(a.ScheduleToCloseTimeout)
                        || Negative(a.ScheduleToStartTimeout) || Negative(a.HeartbeatTimeout))
                    {
                        return (WorkflowTaskFailedCause.BadScheduleActivityAttributes,
                            "An activity timeout is negative.");
                    }

                    if (!activityIds.Add(a.ActivityId))
                    {
                        return (WorkflowTaskFailedCause.ScheduleActivityDuplicateId,
                            $"Activity ID {a.ActivityId} is already in use by a pending activity.");
                    }

                    if (activityIds.Count > limits.MaxPending)
                    {
                        return (WorkflowTaskFailedCause.PendingActivitiesLimitExceeded,
                            $"the run has {limits.MaxPending} pending activities, the most allowed.");
                    }

                    break;
                }

                case CommandType.StartTimer:
                {
                    var a = c.StartTimerCommandAttributes;
                    if (a is null || string.IsNullOrEmpty(a.TimerId))
                    {
                        return (WorkflowTaskFailedCause.BadStartTimerAttributes, "TimerId is not set.");
                    }

                    if (Nanos.Ms(a.StartToFireTimeout) <= 0 && (a.StartToFireTimeout?.Nanos ?? 0) <= 0)
                    {
                        return (WorkflowTaskFailedCause.BadStartTimerAttributes,
                            "A valid StartToFireTimeout is not set on the timer.");
                    }

                    if (!timerIds.Add(a.TimerId))
                    {
                        return (WorkflowTaskFailedCause.StartTimerDuplicateId,
                            $"Timer ID {a.TimerId} is already in use by a pending timer.");
                    }

                    break;
                }

                case CommandType.CancelTimer:
                    // A timer that fired while this task ran (its TimerFired still buffered) may be cancelled too.
                    if (!timerIds.Remove(c.CancelTimerCommandAttributes?.TimerId ?? "")
                        && !firedTimerIds.Remove(c.CancelTimerCommandAttributes?.TimerId ?? ""))
                    {
                        return (WorkflowTaskFailedCause.BadCancelTimerAttributes,
                            $"Timer {c.CancelTimerCommandAttributes?.TimerId} is not pending.");
                    }

                    break;
                case CommandType.StartChildWorkflowExecution:
                {
                    var a = c.StartChildWorkflowExecutionCommandAttributes;
                    if (a is null || string.IsNullOrEmpty(a.WorkflowId) || string.IsNullOrEmpty(a.WorkflowType?.Name))
                    {
                        return (WorkflowTaskFailedCause.BadStartChildExecutionAttributes,
                            "WorkflowId and WorkflowType must be set on a child workflow.");
                    }

                    if (!string.IsNullOrEmpty(a.Namespace) && Namespaces.Find(a.Namespace) is null)
                    {
                        return (WorkflowTaskFailedCause.BadStartChildExecutionAttributes,
                            $"Namespace {a.Namespace} is not found.");
                    }

                    var childNamespace = string.IsNullOrEmpty(a.Namespace) ? s.Namespace : a.Namespace;
                    if (SearchAttributeProblem(childNamespace, a.SearchAttributes) is { } childProblem)
                    {
                        return (WorkflowTaskFailedCause.BadSearchAttributes, childProblem);
                    }

                    break;
                }

                case CommandType.UpsertWorkflowSearchAttributes:
                    if (SearchAttributeProblem(s.Namespace,
                        c.UpsertWorkflowSearchAttributesCommandAttributes?.SearchAttributes) is { } upsertProblem)
                    {
                        return (WorkflowTaskFailedCause.BadSearchAttributes, upsertProblem);
                    }

                    break;
                case CommandType.ContinueAsNewWorkflowExecution:
                    if (SearchAttributeProblem(s.Namespace,
                        c.ContinueAsNewWorkflowExecutionCommandAttributes?.SearchAttributes) is { } canProblem)
                    {
                        return (WorkflowTaskFailedCause.BadSearchAttributes, canProblem);
                    }

                    break;
                case CommandType.ScheduleNexusOperation:
                case CommandType.RequestCancelNexusOperation:
                    return (WorkflowTaskFailedCause.BadScheduleNexusOperationAttributes,
                        "Nexus operations are not supported by the embedded Temporal server.");
                case CommandType.Unspecified:
                    return (WorkflowTaskFailedCause.Unspecified, "a command has no type.");
            }
        }

        return null;
    }

    private string? SearchAttributeProblem(string ns, SearchAttributes? attributes) =>
        SearchAttributeRules.Problem(attributes, Namespaces.SearchAttributesOf(ns));

    /// <summary>Timer ids whose TimerFired event is buffered (fired while the workflow task runs).</summary>
    private static HashSet<string> BufferedTimerFiredIds(RunState s) =>
    [
        .. s.Buffered.Select(HistoryEvent.Parser.ParseFrom)
            .Where(e => e.EventType == EventType.TimerFired)
            .Select(e => e.TimerFiredEventAttributes.TimerId),
    ];

    /// <summary>Removes a timer's buffered TimerFired event; returns the timer's started event id.</summary>
    private static long RemoveBufferedTimerFired(RunState s, string timerId)
    {
        for (var i = 0; i < s.Buffered.Count; i++)
        {
            var ev = HistoryEvent.Parser.ParseFrom(s.Buffered[i]);
            if (ev.EventType == EventType.TimerFired && ev.TimerFiredEventAttributes.TimerId == timerId)
            {
                s.Buffered.RemoveAt(i);
                return ev.TimerFiredEventAttributes.StartedEventId;
            }
        }

        throw new InvalidOperationException($"timer {timerId} is neither pending nor fired in the buffer");
    }

    /// <summary>
    /// Buffered events the workflow has not handled, once the completion's own CancelTimer commands have dropped the
    /// TimerFired events of timers they cancel (as Temporal re-checks after each CancelTimer).
    /// </summary>
    private static int UnhandledBufferedEvents(RunState s, RespondWorkflowTaskCompletedRequest req)
    {
        var cancelled = req.Commands.Where(c => c.CommandType == CommandType.CancelTimer)
            .Select(c => c.CancelTimerCommandAttributes.TimerId)
            .Where(id => !s.Timers.ContainsKey(id))
            .ToHashSet();
        return s.Buffered.Select(HistoryEvent.Parser.ParseFrom).Count(e =>
            !(e.EventType == EventType.TimerFired && cancelled.Contains(e.TimerFiredEventAttributes.TimerId)));
    }

    private static bool Negative(Duration? d) => d is not null && (d.Seconds < 0 || d.Nanos < 0);

    /// <summary>Applies one command; returns whether it needs a new workflow task.</summary>
    private bool HandleCommand(Mutation m, Run run, Command c, long completedId, string identity, List<Action> deferred)
    {
        var s = run.S;
        switch (c.CommandType)
        {
            case CommandType.ScheduleActivityTask:
                ScheduleActivity(m, run, c.ScheduleActivityTaskCommandAttributes, completedId, c.UserMetadata);
                return false;
            case CommandType.RequestCancelActivityTask:
                return RequestCancelActivity(m, run, c.RequestCancelActivityTaskCommandAttributes.ScheduledEventId,
                    completedId);
            case CommandType.StartTimer:
            {
                var a = c.StartTimerCommandAttributes;
                var ev = AddEvent(m, run, EventType.TimerStarted, e =>
                {
                    e.TimerStartedEventAttributes = new TimerStartedEventAttributes
                    {
                        TimerId = a.TimerId,
                        StartToFireTimeout = a.StartToFireTimeout,
                        WorkflowTaskCompletedEventId = completedId,
                    };
                    e.UserMetadata = c.UserMetadata;
                });
                var fire = Now + (a.StartToFireTimeout.Seconds * 1_000_000_000) + a.StartToFireTimeout.Nanos;
                s.Timers[a.TimerId] = new TimerState
                {
                    TimerId = a.TimerId, StartedEventId = ev.EventId, FireTime = fire,
                };
                AddTimer(run, TimerKind.UserTimer, ev.EventId, 0, a.TimerId, fire);
                return false;
            }

            case CommandType.CancelTimer:
            {
                var id = c.CancelTimerCommandAttributes.TimerId;
                long startedEventId;
                if (s.Timers.Remove(id, out var timer))
                {
                    startedEventId = timer.StartedEventId;
                }
                else
                {
                    // It fired while the task ran: as Temporal does, drop its buffered TimerFired (the workflow never
                    // saw it) and write TimerCanceled instead.
                    startedEventId = RemoveBufferedTimerFired(s, id);
                }

                AddEvent(m, run, EventType.TimerCanceled, e =>
                    e.TimerCanceledEventAttributes = new TimerCanceledEventAttributes
                    {
                        TimerId = id,
                        StartedEventId = startedEventId,
                        WorkflowTaskCompletedEventId = completedId,
                        Identity = identity,
                    });
                return false;
            }

            case CommandType.RecordMarker:
            {
                var a = c.RecordMarkerCommandAttributes;
                AddEvent(m, run, EventType.MarkerRecorded, e =>
                {
                    e.MarkerRecordedEventAttributes = new MarkerRecordedEventAttributes
                    {
                        MarkerName = a.MarkerName,
                        WorkflowTaskCompletedEventId = completedId,
                        Header = a.Header,
                        Failure = a.Failure,
                    };
                    e.MarkerRecordedEventAttributes.Details.Add(a.Details);
                });
                return false;
            }

            case CommandType.UpsertWorkflowSearchAttributes:
            {
                var a = c.UpsertWorkflowSearchAttributesCommandAttributes;
                AddEvent(m, run, EventType.UpsertWorkflowSearchAttributes, e =>
                    e.UpsertWorkflowSearchAttributesEventAttributes = new UpsertWorkflowSearchAttributesEventAttributes
                    {
                        WorkflowTaskCompletedEventId = completedId,
                        SearchAttributes = a.SearchAttributes,
                    });
                MergePayloads(s.SearchAttributes, a.SearchAttributes?.IndexedFields);

                return false;
            }

            case CommandType.ModifyWorkflowProperties:
            {
                var a = c.ModifyWorkflowPropertiesCommandAttributes;
                AddEvent(m, run, EventType.WorkflowPropertiesModified, e =>
                    e.WorkflowPropertiesModifiedEventAttributes = new WorkflowPropertiesModifiedEventAttributes
                    {
                        WorkflowTaskCompletedEventId = completedId,
                        UpsertedMemo = a.UpsertedMemo,
                    });
                MergePayloads(s.Memo, a.UpsertedMemo?.Fields);

                return false;
            }

            case CommandType.CompleteWorkflowExecution:
            {
                var ev = AddEvent(m, run, EventType.WorkflowExecutionCompleted, e =>
                    e.WorkflowExecutionCompletedEventAttributes = new WorkflowExecutionCompletedEventAttributes
                    {
                        Result = c.CompleteWorkflowExecutionCommandAttributes.Result,
                        WorkflowTaskCompletedEventId = completedId,
                    });
                Close(m, run, WorkflowExecutionStatus.Completed, ev);
                return false;
            }

            case CommandType.FailWorkflowExecution:
                FailWorkflow(m, run, c.FailWorkflowExecutionCommandAttributes.Failure, completedId);
                return false;
            case CommandType.CancelWorkflowExecution:
            {
                var ev = AddEvent(m, run, EventType.WorkflowExecutionCanceled, e =>
                    e.WorkflowExecutionCanceledEventAttributes = new WorkflowExecutionCanceledEventAttributes
                    {
                        Details = c.CancelWorkflowExecutionCommandAttributes.Details,
                        WorkflowTaskCompletedEventId = completedId,
                    });
                Close(m, run, WorkflowExecutionStatus.Canceled, ev);
                return false;
            }

            case CommandType.ContinueAsNewWorkflowExecution:
                ContinueAsNew(m, run, c.ContinueAsNewWorkflowExecutionCommandAttributes, completedId);
                return false;
            case CommandType.StartChildWorkflowExecution:
                StartChild(m, run, c.StartChildWorkflowExecutionCommandAttributes, completedId, c.UserMetadata,
                    deferred);
                return false;
            case CommandType.SignalExternalWorkflowExecution:
                SignalExternal(m, run, c.SignalExternalWorkflowExecutionCommandAttributes, completedId, deferred);
                return false;
            case CommandType.RequestCancelExternalWorkflowExecution:
                CancelExternal(m, run, c.RequestCancelExternalWorkflowExecutionCommandAttributes, completedId,
                    deferred);
                return false;
            default:
                return false;
        }
    }

    /// <summary>Merges upserted payloads into a run's map; an unset payload (empty, null or []) removes the key.</summary>
    private static void MergePayloads(Dictionary<string, byte[]> target, IDictionary<string, Payload>? upserted)
    {
        foreach (var (k, v) in upserted ?? new Dictionary<string, Payload>())
        {
            if (SearchAttributeJson.IsUnset(v))
            {
                target.Remove(k);
            }
            else
            {
                target[k] = v.ToByteArray();
            }
        }
    }

    private void FailWorkflow(Mutation m, Run run, Failure failure, long completedId)
    {
        var s = run.S;
        var retry = DecideWorkflowRetry(s, failure, out var retryState, out var delayMs);
        var newRunId = retry ? Guid.CreateVersion7(Clock.Now).ToString() : "";
        var ev = AddEvent(m, run, EventType.WorkflowExecutionFailed, e =>
            e.WorkflowExecutionFailedEventAttributes = new WorkflowExecutionFailedEventAttributes
            {
                Failure = failure,
                RetryState = retryState,
                WorkflowTaskCompletedEventId = completedId,
                NewExecutionRunId = newRunId,
            });
        if (retry)
        {
            var started = run.Events[0].WorkflowExecutionStartedEventAttributes;
            Close(m, run, WorkflowExecutionStatus.Failed, ev, chainContinues: true);
            var next = CreateRun(m, NextRunOf(s, started, newRunId) with
            {
                Attempt = s.Attempt + 1,
                BackoffMs = delayMs,
                Initiator = ContinueAsNewInitiator.Retry,
                ContinuedFailure = failure,
                Input = started.Input,
            });
            ScheduleWorkflowTaskIfNeeded(m, next);
            return;
        }

        Close(m, run, WorkflowExecutionStatus.Failed, ev);
    }

    private bool DecideWorkflowRetry(RunState s, Failure failure, out RetryState state, out long delayMs)
    {
        delayMs = 0;
        if (s.RetryPolicy is null)
        {
            state = RetryState.RetryPolicyNotSet;
            return false;
        }

        var policy = RetryPolicies.WithDefaults(RetryPolicy.Parser.ParseFrom(s.RetryPolicy));
        var decision = RetryPolicies.Decide(policy, s.Attempt, failure, Now, s.ExecutionExpiry);
        state = decision.State;
        delayMs = decision.DelayMs;
        return decision.Retry;
    }

    private NewRun NextRunOf(RunState s, WorkflowExecutionStartedEventAttributes started, string runId) => new()
    {
        RunId = runId,
        Namespace = s.Namespace,
        WorkflowId = s.WorkflowId,
        WorkflowType = s.WorkflowType,
        TaskQueue = s.TaskQueue,
        Input = started.Input,
        ExecutionTimeoutMs = s.ExecutionTimeoutMs,
        RunTimeoutMs = Nanos.Ms(started.WorkflowRunTimeout),
        TaskTimeoutMs = s.TaskTimeoutMs,
        RetryPolicy = started.RetryPolicy,
        CronSchedule = started.CronSchedule,
        Memo = started.Memo,
        SearchAttributes = started.SearchAttributes,
        Header = started.Header,
        ParentNamespace = s.ParentNamespace,
        ParentExecution = s.ParentWorkflowId is null ? null
            : new WorkflowExecution { WorkflowId = s.ParentWorkflowId, RunId = s.ParentRunId },
        ParentInitiatedEventId = s.ParentInitiatedEventId,
        Root = new WorkflowExecution { WorkflowId = s.RootWorkflowId, RunId = s.RootRunId },
        ContinuedFromRunId = s.RunId,
        FirstRunId = s.FirstRunId,
        ExecutionExpiry = s.ExecutionExpiry,
        RequestId = Guid.NewGuid().ToString(),
    };

    private void ContinueAsNew(Mutation m, Run run, ContinueAsNewWorkflowExecutionCommandAttributes a, long completedId)
    {
        var s = run.S;
        var started = run.Events[0].WorkflowExecutionStartedEventAttributes;
        var newRunId = Guid.CreateVersion7(Clock.Now).ToString();
        var type = string.IsNullOrEmpty(a.WorkflowType?.Name) ? s.WorkflowType : a.WorkflowType.Name;
        var queue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? s.TaskQueue : a.TaskQueue.Name;
        var runTimeout = Nanos.Ms(a.WorkflowRunTimeout) > 0 ? Nanos.Ms(a.WorkflowRunTimeout)
            : Nanos.Ms(started.WorkflowRunTimeout);
        var taskTimeout = Nanos.Ms(a.WorkflowTaskTimeout) > 0 ? Nanos.Ms(a.WorkflowTaskTimeout) : s.TaskTimeoutMs;
        var ev = AddEvent(m, run, EventType.WorkflowExecutionContinuedAsNew, e =>
            e.WorkflowExecutionContinuedAsNewEventAttributes = new WorkflowExecutionContinuedAsNewEventAttributes
            {
                NewExecutionRunId = newRunId,
                WorkflowType = new WorkflowType { Name = type },
                TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
                Input = a.Input,
                WorkflowRunTimeout = runTimeout > 0 ? Nanos.ToDuration(runTimeout) : null,
                WorkflowTaskTimeout = Nanos.ToDuration(taskTimeout),
                WorkflowTaskCompletedEventId = completedId,
                BackoffStartInterval = a.BackoffStartInterval,
                Initiator = a.Initiator == ContinueAsNewInitiator.Unspecified
                    ? ContinueAsNewInitiator.Workflow : a.Initiator,
                LastCompletionResult = a.LastCompletionResult,
                Header = a.Header,
                Memo = a.Memo,
                SearchAttributes = a.SearchAttributes,
            });
        Close(m, run, WorkflowExecutionStatus.ContinuedAsNew, ev, chainContinues: true);
        var next = CreateRun(m, NextRunOf(s, started, newRunId) with
        {
            WorkflowType = type,
            TaskQueue = queue,
            Input = a.Input,
            RunTimeoutMs = runTimeout,
            TaskTimeoutMs = taskTimeout,
            RetryPolicy = a.RetryPolicy,
            CronSchedule = a.CronSchedule,
            Memo = a.Memo,
            SearchAttributes = a.SearchAttributes,
            Header = a.Header,
            Initiator = a.Initiator == ContinueAsNewInitiator.Unspecified
                ? ContinueAsNewInitiator.Workflow : a.Initiator,
            LastCompletionResult = a.LastCompletionResult,
            BackoffMs = Nanos.Ms(a.BackoffStartInterval),
            Identity = "",
        });
        ScheduleWorkflowTaskIfNeeded(m, next);
    }

    /// <summary>
    /// Closes a run after its close event: pending work dropped, children handled by their parent close policy, the
    /// parent told (unless the chain continues), waiting updates answered, the run evicted from memory once committed.
    /// </summary>
    private void Close(Mutation m, Run run, WorkflowExecutionStatus status, HistoryEvent? closeEvent = null,
        bool chainContinues = false)
    {
        var s = run.S;
        s.Status = (int)status;
        s.CloseTime = Now;
        s.CloseEventId = s.NextEventId - 1;
        s.Wft = null;
        s.Buffered.Clear();
        s.Activities.Clear();
        s.Timers.Clear();
        s.NewRunId = closeEvent?.EventType switch
        {
            EventType.WorkflowExecutionContinuedAsNew =>
                closeEvent.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId,
            EventType.WorkflowExecutionFailed => closeEvent.WorkflowExecutionFailedEventAttributes.NewExecutionRunId,
            EventType.WorkflowExecutionTimedOut =>
                closeEvent.WorkflowExecutionTimedOutEventAttributes.NewExecutionRunId,
            EventType.WorkflowExecutionCompleted =>
                closeEvent.WorkflowExecutionCompletedEventAttributes.NewExecutionRunId,
            _ => null,
        };
        m.Touch(run);

        foreach (var child in s.Children.Values.ToList())
        {
            ApplyParentClosePolicy(m, run, child);
        }

        if (!chainContinues && s.ParentRunId is not null)
        {
            NotifyParent(m, run, closeEvent);
        }

        // Updates: accepted ones get Temporal's failure, admitted ones are gone (their callers retry).
        foreach (var update in s.Updates.Values)
        {
            if (update.Outcome is null)
            {
                update.Outcome = new Temporalio.Api.Update.V1.Outcome
                {
                    Failure = new Failure
                    {
                        Message = "Workflow Update failed because the Workflow completed before the Update completed.",
                        ApplicationFailureInfo = new ApplicationFailureInfo
                        {
                            Type = "AcceptedUpdateCompletedWorkflow",
                        },
                    },
                }.ToByteArray();
            }
        }

        foreach (var update in run.AdmittedUpdates.Concat(run.DeliveredUpdates))
        {
            update.Resolved.TrySetException(Grpc.RpcErrors.NotFound("workflow execution already completed"));
        }

        run.AdmittedUpdates.Clear();
        run.DeliveredUpdates.Clear();
        foreach (var waiters in run.UpdateWaiters.Values)
        {
            var list = waiters.ToList();
            m.Then(() => list.ForEach(w => w.TrySetResult(true)));
        }

        run.UpdateWaiters.Clear();
        DispatchWaitingQueries(m, run);
        var runId = s.RunId;
        m.Then(() =>
        {
            lock (gate)
            {
                if (runs.TryGetValue(runId, out var r) && !r.IsOpen && r.WaitingQueries.Count == 0)
                {
                    runs.Remove(runId);
                    CacheClosedRun(r);
                }
            }
        });
    }

    private void ApplyParentClosePolicy(Mutation m, Run parent, ChildState child)
    {
        if (child.RunId is null || !runs.TryGetValue(child.RunId, out var childRun))
        {
            // The chain may have moved on (continue-as-new): act on the current run of the child's id.
            childRun = FindRun(child.Namespace, child.WorkflowId, null);
        }

        if (childRun is null || !childRun.IsOpen || childRun.S.ParentWorkflowId != parent.S.WorkflowId)
        {
            return;
        }

        switch ((ParentClosePolicy)child.ParentClosePolicy)
        {
            case ParentClosePolicy.Abandon:
                break;
            case ParentClosePolicy.RequestCancel:
                RequestCancel(m, childRun, "by parent close policy", "history-service", null, 0);
                break;
            default:
                Terminate(m, childRun, "by parent close policy", null, "history-service");
                break;
        }
    }

    private void NotifyParent(Mutation m, Run run, HistoryEvent? closeEvent)
    {
        var s = run.S;
        if (!runs.TryGetValue(s.ParentRunId!, out var parent) || !parent.IsOpen
            || !parent.S.Children.TryGetValue(s.ParentInitiatedEventId, out var child))
        {
            return;
        }

        parent.S.Children.Remove(s.ParentInitiatedEventId);
        var execution = ExecutionOf(s);
        var type = new WorkflowType { Name = s.WorkflowType };
        var ns = s.Namespace;
        var nsId = Namespaces.Find(ns)?.Id ?? "";
        var initiated = s.ParentInitiatedEventId;
        var startedId = child.StartedEventId;
        switch ((WorkflowExecutionStatus)s.Status)
        {
            case WorkflowExecutionStatus.Completed:
                AddExternalEvent(m, parent, EventType.ChildWorkflowExecutionCompleted, e =>
                    e.ChildWorkflowExecutionCompletedEventAttributes =
                        new ChildWorkflowExecutionCompletedEventAttributes
                        {
                            Result = closeEvent?.WorkflowExecutionCompletedEventAttributes?.Result,
                            Namespace = ns, NamespaceId = nsId, WorkflowExecution = execution, WorkflowType = type,
                            InitiatedEventId = initiated, StartedEventId = startedId,
                        });
                break;
            case WorkflowExecutionStatus.Failed:
                AddExternalEvent(m, parent, EventType.ChildWorkflowExecutionFailed, e =>
                    e.ChildWorkflowExecutionFailedEventAttributes = new ChildWorkflowExecutionFailedEventAttributes
                    {
                        Failure = closeEvent?.WorkflowExecutionFailedEventAttributes?.Failure,
                        RetryState = closeEvent?.WorkflowExecutionFailedEventAttributes?.RetryState
                            ?? RetryState.NonRetryableFailure,
                        Namespace = ns, NamespaceId = nsId, WorkflowExecution = execution, WorkflowType = type,
                        InitiatedEventId = initiated, StartedEventId = startedId,
                    });
                break;
            case WorkflowExecutionStatus.Canceled:
                AddExternalEvent(m, parent, EventType.ChildWorkflowExecutionCanceled, e =>
                    e.ChildWorkflowExecutionCanceledEventAttributes = new ChildWorkflowExecutionCanceledEventAttributes
                    {
                        Details = closeEvent?.WorkflowExecutionCanceledEventAttributes?.Details,
                        Namespace = ns, NamespaceId = nsId, WorkflowExecution = execution, WorkflowType = type,
                        InitiatedEventId = initiated, StartedEventId = startedId,
                    });
                break;
            case WorkflowExecutionStatus.Terminated:
                AddExternalEvent(m, parent, EventType.ChildWorkflowExecutionTerminated, e =>
                    e.ChildWorkflowExecutionTerminatedEventAttributes =
                        new ChildWorkflowExecutionTerminatedEventAttributes
                        {
                            Namespace = ns, NamespaceId = nsId, WorkflowExecution = execution, WorkflowType = type,
                            InitiatedEventId = initiated, StartedEventId = startedId,
                        });
                break;
            case WorkflowExecutionStatus.TimedOut:
                AddExternalEvent(m, parent, EventType.ChildWorkflowExecutionTimedOut, e =>
                    e.ChildWorkflowExecutionTimedOutEventAttributes = new ChildWorkflowExecutionTimedOutEventAttributes
                    {
                        RetryState = RetryState.Timeout,
                        Namespace = ns, NamespaceId = nsId, WorkflowExecution = execution, WorkflowType = type,
                        InitiatedEventId = initiated, StartedEventId = startedId,
                    });
                break;
        }
    }

    private void StartChild(Mutation m, Run parent, StartChildWorkflowExecutionCommandAttributes a, long completedId,
        UserMetadata? metadata, List<Action> deferred)
    {
        var ps = parent.S;
        var ns = string.IsNullOrEmpty(a.Namespace) ? ps.Namespace : a.Namespace;
        var queue = string.IsNullOrEmpty(a.TaskQueue?.Name) ? ps.TaskQueue : a.TaskQueue.Name;
        var ev = AddEvent(m, parent, EventType.StartChildWorkflowExecutionInitiated, e =>
        {
            e.StartChildWorkflowExecutionInitiatedEventAttributes =
                new StartChildWorkflowExecutionInitiatedEventAttributes
                {
                    Namespace = ns,
                    NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                    WorkflowId = a.WorkflowId,
                    WorkflowType = a.WorkflowType,
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = queue, Kind = TaskQueueKind.Normal },
                    Input = a.Input,
                    WorkflowExecutionTimeout = a.WorkflowExecutionTimeout,
                    WorkflowRunTimeout = a.WorkflowRunTimeout,
                    WorkflowTaskTimeout = a.WorkflowTaskTimeout,
                    ParentClosePolicy = a.ParentClosePolicy == ParentClosePolicy.Unspecified
                        ? ParentClosePolicy.Terminate : a.ParentClosePolicy,
                    Control = a.Control,
                    WorkflowTaskCompletedEventId = completedId,
                    WorkflowIdReusePolicy = a.WorkflowIdReusePolicy,
                    RetryPolicy = a.RetryPolicy,
                    CronSchedule = a.CronSchedule,
                    Header = a.Header,
                    Memo = a.Memo,
                    SearchAttributes = a.SearchAttributes,
                };
            e.UserMetadata = metadata;
        });
        var child = new ChildState
        {
            InitiatedEventId = ev.EventId,
            Namespace = ns,
            WorkflowId = a.WorkflowId,
            WorkflowType = a.WorkflowType.Name,
            ParentClosePolicy = (int)(a.ParentClosePolicy == ParentClosePolicy.Unspecified
                ? ParentClosePolicy.Terminate : a.ParentClosePolicy),
        };
        ps.Children[ev.EventId] = child;
        deferred.Add(() =>
        {
            if (!parent.IsOpen)
            {
                return;
            }

            var existing = current.TryGetValue((ns, a.WorkflowId), out var existingId) ? FindRunById(existingId) : null;
            var refused = existing is not null && (existing.IsOpen
                || a.WorkflowIdReusePolicy == WorkflowIdReusePolicy.RejectDuplicate
                || (a.WorkflowIdReusePolicy == WorkflowIdReusePolicy.AllowDuplicateFailedOnly
                    && existing.S.Status == (int)WorkflowExecutionStatus.Completed));
            if (refused)
            {
                ps.Children.Remove(child.InitiatedEventId);
                AddExternalEvent(m, parent, EventType.StartChildWorkflowExecutionFailed, e =>
                    e.StartChildWorkflowExecutionFailedEventAttributes =
                        new StartChildWorkflowExecutionFailedEventAttributes
                        {
                            Namespace = ns,
                            NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                            WorkflowId = a.WorkflowId,
                            WorkflowType = a.WorkflowType,
                            Cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists,
                            Control = a.Control,
                            InitiatedEventId = child.InitiatedEventId,
                            WorkflowTaskCompletedEventId = completedId,
                        });
                return;
            }

            var childRun = CreateRun(m, new NewRun
            {
                Namespace = ns,
                WorkflowId = a.WorkflowId,
                WorkflowType = a.WorkflowType.Name,
                TaskQueue = queue,
                Input = a.Input,
                ExecutionTimeoutMs = Nanos.Ms(a.WorkflowExecutionTimeout),
                RunTimeoutMs = Nanos.Ms(a.WorkflowRunTimeout),
                TaskTimeoutMs = Nanos.Ms(a.WorkflowTaskTimeout),
                RetryPolicy = a.RetryPolicy,
                CronSchedule = a.CronSchedule,
                Memo = a.Memo,
                SearchAttributes = a.SearchAttributes,
                Header = a.Header,
                UserMetadata = metadata,
                ParentNamespace = ps.Namespace,
                ParentExecution = ExecutionOf(ps),
                ParentInitiatedEventId = child.InitiatedEventId,
                Root = new WorkflowExecution { WorkflowId = ps.RootWorkflowId, RunId = ps.RootRunId },
                RequestId = Guid.NewGuid().ToString(),
            });
            child.RunId = childRun.S.RunId;
            ScheduleWorkflowTaskIfNeeded(m, childRun);
            AddExternalEvent(m, parent, EventType.ChildWorkflowExecutionStarted, e =>
                e.ChildWorkflowExecutionStartedEventAttributes = new ChildWorkflowExecutionStartedEventAttributes
                {
                    Namespace = ns,
                    NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                    InitiatedEventId = child.InitiatedEventId,
                    WorkflowExecution = ExecutionOf(childRun.S),
                    WorkflowType = a.WorkflowType,
                    Header = a.Header,
                });
            if (!parent.WftStarted)
            {
                child.StartedEventId = parent.S.NextEventId - 1;
                if (parent.Events[^1].EventType != EventType.ChildWorkflowExecutionStarted)
                {
                    child.StartedEventId = parent.Events.Last(x =>
                        x.EventType == EventType.ChildWorkflowExecutionStarted
                        && x.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId == child.InitiatedEventId)
                        .EventId;
                }
            }
        });
    }

    private void SignalExternal(Mutation m, Run run, SignalExternalWorkflowExecutionCommandAttributes a,
        long completedId, List<Action> deferred)
    {
        var ns = string.IsNullOrEmpty(a.Namespace) ? run.S.Namespace : a.Namespace;
        var ev = AddEvent(m, run, EventType.SignalExternalWorkflowExecutionInitiated, e =>
            e.SignalExternalWorkflowExecutionInitiatedEventAttributes =
                new SignalExternalWorkflowExecutionInitiatedEventAttributes
                {
                    WorkflowTaskCompletedEventId = completedId,
                    Namespace = ns,
                    NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                    WorkflowExecution = a.Execution,
                    SignalName = a.SignalName,
                    Input = a.Input,
                    Control = a.Control,
                    ChildWorkflowOnly = a.ChildWorkflowOnly,
                    Header = a.Header,
                });
        deferred.Add(() =>
        {
            if (!run.IsOpen)
            {
                return;
            }

            var target = FindRun(ns, a.Execution.WorkflowId, a.Execution.RunId);
            if (target is null || !target.IsOpen || (a.ChildWorkflowOnly && target.S.ParentRunId != run.S.RunId))
            {
                AddExternalEvent(m, run, EventType.SignalExternalWorkflowExecutionFailed, e =>
                    e.SignalExternalWorkflowExecutionFailedEventAttributes =
                        new SignalExternalWorkflowExecutionFailedEventAttributes
                        {
                            Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                            WorkflowTaskCompletedEventId = completedId,
                            Namespace = ns,
                            NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                            WorkflowExecution = a.Execution,
                            InitiatedEventId = ev.EventId,
                            Control = a.Control,
                        });
                return;
            }

            Signal(m, target, a.SignalName, a.Input, a.Header, "history-service",
                $"{run.S.RunId}/{ev.EventId}", ExecutionOf(run.S));
            AddExternalEvent(m, run, EventType.ExternalWorkflowExecutionSignaled, e =>
                e.ExternalWorkflowExecutionSignaledEventAttributes =
                    new ExternalWorkflowExecutionSignaledEventAttributes
                    {
                        InitiatedEventId = ev.EventId,
                        Namespace = ns,
                        NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                        WorkflowExecution = new WorkflowExecution
                        {
                            WorkflowId = target.S.WorkflowId, RunId = a.Execution.RunId,
                        },
                        Control = a.Control,
                    });
        });
    }

    private void CancelExternal(Mutation m, Run run, RequestCancelExternalWorkflowExecutionCommandAttributes a,
        long completedId, List<Action> deferred)
    {
        var ns = string.IsNullOrEmpty(a.Namespace) ? run.S.Namespace : a.Namespace;
        var execution = new WorkflowExecution { WorkflowId = a.WorkflowId, RunId = a.RunId };
        var ev = AddEvent(m, run, EventType.RequestCancelExternalWorkflowExecutionInitiated, e =>
            e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes =
                new RequestCancelExternalWorkflowExecutionInitiatedEventAttributes
                {
                    WorkflowTaskCompletedEventId = completedId,
                    Namespace = ns,
                    NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                    WorkflowExecution = execution,
                    Control = a.Control,
                    ChildWorkflowOnly = a.ChildWorkflowOnly,
                    Reason = a.Reason,
                });
        deferred.Add(() =>
        {
            if (!run.IsOpen)
            {
                return;
            }

            var target = FindRun(ns, a.WorkflowId, a.RunId);
            if (target is null || !target.IsOpen || (a.ChildWorkflowOnly && target.S.ParentRunId != run.S.RunId))
            {
                AddExternalEvent(m, run, EventType.RequestCancelExternalWorkflowExecutionFailed, e =>
                    e.RequestCancelExternalWorkflowExecutionFailedEventAttributes =
                        new RequestCancelExternalWorkflowExecutionFailedEventAttributes
                        {
                            Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound,
                            WorkflowTaskCompletedEventId = completedId,
                            Namespace = ns,
                            NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                            WorkflowExecution = execution,
                            InitiatedEventId = ev.EventId,
                            Control = a.Control,
                        });
                return;
            }

            RequestCancel(m, target, a.Reason, "history-service", ExecutionOf(run.S), ev.EventId);
            AddExternalEvent(m, run, EventType.ExternalWorkflowExecutionCancelRequested, e =>
                e.ExternalWorkflowExecutionCancelRequestedEventAttributes =
                    new ExternalWorkflowExecutionCancelRequestedEventAttributes
                    {
                        InitiatedEventId = ev.EventId,
                        Namespace = ns,
                        NamespaceId = Namespaces.Find(ns)?.Id ?? "",
                        WorkflowExecution = execution,
                    });
        });
    }

    /// <summary>A protocol message from the worker: update acceptance, rejection or response.</summary>
    private void HandleMessage(Mutation m, Run run, Message message, long completedId)
    {
        var s = run.S;
        var id = message.ProtocolInstanceId;
        var pending = run.DeliveredUpdates.FirstOrDefault(u => u.Id == id)
            ?? run.AdmittedUpdates.FirstOrDefault(u => u.Id == id);
        if (message.Body.TryUnpack<Temporalio.Api.Update.V1.Acceptance>(out var acceptance))
        {
            if (pending is null || s.Updates.ContainsKey(id))
            {
                return;
            }

            var ev = AddEvent(m, run, EventType.WorkflowExecutionUpdateAccepted, e =>
                e.WorkflowExecutionUpdateAcceptedEventAttributes = new WorkflowExecutionUpdateAcceptedEventAttributes
                {
                    ProtocolInstanceId = id,
                    AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId,
                    AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                    AcceptedRequest = acceptance.AcceptedRequest ?? pending.Request,
                });
            s.Updates[id] = new UpdateState { AcceptedEventId = ev.EventId };
            run.DeliveredUpdates.Remove(pending);
            run.AdmittedUpdates.Remove(pending);
            m.Then(() => pending.Resolved.TrySetResult(null));
            WakeUpdateWaiters(m, run, id);
        }
        else if (message.Body.TryUnpack<Temporalio.Api.Update.V1.Response>(out var response))
        {
            if (!s.Updates.TryGetValue(id, out var update) || update.Outcome is not null)
            {
                return;
            }

            var ev = AddEvent(m, run, EventType.WorkflowExecutionUpdateCompleted, e =>
                e.WorkflowExecutionUpdateCompletedEventAttributes = new WorkflowExecutionUpdateCompletedEventAttributes
                {
                    Meta = response.Meta,
                    AcceptedEventId = update.AcceptedEventId,
                    Outcome = response.Outcome,
                });
            update.CompletedEventId = ev.EventId;
            update.Outcome = response.Outcome.ToByteArray();
            WakeUpdateWaiters(m, run, id);
        }
        else if (message.Body.TryUnpack<Temporalio.Api.Update.V1.Rejection>(out var rejection))
        {
            if (pending is null)
            {
                return;
            }

            run.DeliveredUpdates.Remove(pending);
            run.AdmittedUpdates.Remove(pending);
            var outcome = new Temporalio.Api.Update.V1.Outcome { Failure = rejection.Failure };
            m.Then(() => pending.Resolved.TrySetResult(outcome));
        }
    }
}
