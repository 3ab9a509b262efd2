using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.Matching;
using DurableDelivery.Server.Time;
using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>
/// The workflow task machine: poll (start), complete, fail, time out; transient and speculative tasks.
/// </content>
internal sealed partial class HistoryEngine
{
    /// <summary>PollWorkflowTaskQueue: waits for a task, starts it, returns it; an empty response on timeout.</summary>
    public async Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskAsync(
        PollWorkflowTaskQueueRequest req, CancellationToken ct)
    {
        var key = new QueueKey(req.Namespace, req.TaskQueue.Name, false);
        var deadline = Clock.Now + limits.LongPollTimeout;
        while (!ct.IsCancellationRequested)
        {
            var left = deadline - Clock.Now;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            var task = await matching.PollAsync(key, left, ct).ConfigureAwait(false);
            if (task is null)
            {
                break;
            }

            var response = task switch
            {
                WorkflowTaskRef w => await TryStartWorkflowTaskAsync(w, req.Identity, req.TaskQueue.Kind)
                    .ConfigureAwait(false),
                QueryTaskRef q => TryStartQueryTask(q, req.TaskQueue.Kind),
                _ => null,
            };
            if (response is not null)
            {
                return response;
            }
        }

        return new PollWorkflowTaskQueueResponse();
    }

    private Task<PollWorkflowTaskQueueResponse?> TryStartWorkflowTaskAsync(
        WorkflowTaskRef task, string identity, TaskQueueKind kind) => MutateAsync(m =>
    {
        if (!runs.TryGetValue(task.RunId, out var run) || !run.IsOpen || run.S.Wft is not { } wft
            || wft.Sequence != task.Sequence || wft.StartedEventId != 0)
        {
            return null;
        }

        return StartWorkflowTask(m, run, wft, identity, kind == TaskQueueKind.Sticky && wft.Sticky);
    });

    /// <summary>
    /// Starts a scheduled workflow task (a poller took it, or a start asked for it eagerly): the Started event (held
    /// back for a transient task), the start-to-close timer, and the poll response.
    /// </summary>
    private PollWorkflowTaskQueueResponse StartWorkflowTask(Mutation m, Run run, WftState wft, string identity,
        bool partial)
    {
        var s = run.S;
        wft.StartedTime = Now;
        wft.Identity = identity;
        wft.RequestId = Guid.NewGuid().ToString();
        if (wft.Transient)
        {
            wft.StartedEventId = wft.ScheduledEventId + 1;
        }
        else
        {
            var started = AddEvent(m, run, EventType.WorkflowTaskStarted, e =>
                e.WorkflowTaskStartedEventAttributes = StartedAttributes(s, wft));
            wft.StartedEventId = started.EventId;
        }

        m.Touch(run);
        AddTimer(run, TimerKind.WorkflowTaskStartToClose, wft.Sequence, wft.Attempt, null,
            wft.StartedTime + (wft.TimeoutMs * 1_000_000));
        return BuildWorkflowTaskResponse(run, wft, partial);
    }

    private WorkflowTaskStartedEventAttributes StartedAttributes(RunState s, WftState wft)
    {
        var attributes = new WorkflowTaskStartedEventAttributes
        {
            ScheduledEventId = wft.ScheduledEventId,
            Identity = wft.Identity ?? "",
            RequestId = wft.RequestId ?? "",
            HistorySizeBytes = s.HistorySize,
        };
        if (s.NextEventId >= limits.SuggestContinueAsNewEvents)
        {
            attributes.SuggestContinueAsNew = true;
            attributes.SuggestContinueAsNewReasons.Add(SuggestContinueAsNewReason.TooManyHistoryEvents);
        }

        return attributes;
    }

    /// <summary>The poll response for a started task: history (partial on a sticky queue), transient events,
    /// updates.</summary>
    private PollWorkflowTaskQueueResponse BuildWorkflowTaskResponse(Run run, WftState wft, bool partial)
    {
        var s = run.S;
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = Google.Protobuf.ByteString.CopyFrom(new TaskToken(
                TaskToken.WorkflowTask, s.Namespace, s.RunId, wft.ScheduledEventId, wft.Attempt,
                wft.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToBytes()),
            WorkflowExecution = ExecutionOf(s),
            WorkflowType = new Temporalio.Api.Common.V1.WorkflowType { Name = s.WorkflowType },
            PreviousStartedEventId = s.PreviousStartedEventId,
            StartedEventId = wft.StartedEventId,
            Attempt = wft.Attempt,
            WorkflowExecutionTaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue
            {
                Name = s.TaskQueue, Kind = TaskQueueKind.Normal,
            },
            ScheduledTime = Nanos.ToTimestamp(wft.ScheduledTime),
            StartedTime = Nanos.ToTimestamp(wft.StartedTime),
            History = new Temporalio.Api.History.V1.History(),
        };
        var from = partial ? s.PreviousStartedEventId + 1 : 1;
        for (var id = from; id <= run.Events.Count; id++)
        {
            response.History.Events.Add(run.Events[(int)id - 1]);
        }

        if (wft.Transient)
        {
            response.History.Events.Add(TransientScheduled(s, wft));
            response.History.Events.Add(TransientStarted(s, wft));
        }

        var pending = run.AdmittedUpdates.ToList();
        run.AdmittedUpdates.Clear();
        foreach (var update in pending)
        {
            run.DeliveredUpdates.Add(update);
            response.Messages.Add(new Message
            {
                Id = update.Id + "/request",
                ProtocolInstanceId = update.Id,
                EventId = wft.StartedEventId - 1,
                Body = Any.Pack(update.Request),
            });
        }

        return response;
    }

    private HistoryEvent TransientScheduled(RunState s, WftState wft) => new()
    {
        EventId = wft.ScheduledEventId,
        EventTime = Nanos.ToTimestamp(wft.ScheduledTime),
        EventType = EventType.WorkflowTaskScheduled,
        TaskId = taskIdCounter,
        WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
        {
            TaskQueue = WftQueueProto(s, wft),
            StartToCloseTimeout = Nanos.ToDuration(wft.TimeoutMs),
            Attempt = wft.Attempt,
        },
    };

    private HistoryEvent TransientStarted(RunState s, WftState wft) => new()
    {
        EventId = wft.StartedEventId,
        EventTime = Nanos.ToTimestamp(wft.StartedTime),
        EventType = EventType.WorkflowTaskStarted,
        TaskId = taskIdCounter,
        WorkflowTaskStartedEventAttributes = StartedAttributes(s, wft),
    };

    /// <summary>
    /// Writes a transient or speculative task's Scheduled and Started events for real (at completion or failure), with
    /// the times the worker was given, as Temporal does: the SDK's workflow clock (<c>Workflow.UtcNow</c>) is the
    /// Started event's time, so a replay of the written history must see the time the task ran with, or every decision
    /// that read the clock can replay differently (a nondeterminism error on the next query or replay).
    /// </summary>
    private void PersistTransient(Mutation m, Run run, WftState wft)
    {
        var s = run.S;
        var scheduled = TransientScheduled(s, wft);
        AppendEvent(m, run, scheduled);
        wft.ScheduledEventId = scheduled.EventId;
        if (wft.StartedEventId > 0)
        {
            var started = TransientStarted(s, wft);
            AppendEvent(m, run, started);
            wft.StartedEventId = started.EventId;
        }

        wft.Transient = false;
        wft.Speculative = false;
    }

    private (Run Run, WftState Wft) StartedTaskOrThrow(Google.Protobuf.ByteString tokenBytes, string ns)
    {
        var token = TaskToken.Parse(tokenBytes.Span);
        if (token is null || token.Kind != TaskToken.WorkflowTask)
        {
            throw RpcErrors.InvalidArgument("TaskToken is not a workflow task token of this server.");
        }

        if (!string.IsNullOrEmpty(ns) && token.Namespace != ns)
        {
            throw RpcErrors.InvalidArgument($"the task token belongs to namespace {token.Namespace}, not {ns}.");
        }

        if (!runs.TryGetValue(token.RunId, out var run) || !run.IsOpen || run.S.Wft is not { } wft
            || wft.ScheduledEventId != token.EventId || wft.Attempt != token.Attempt || wft.StartedEventId == 0
            || wft.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) != token.Extra)
        {
            throw RpcErrors.NotFound("Workflow task not found.");
        }

        return (run, wft);
    }

    /// <summary>RespondWorkflowTaskFailed.</summary>
    public Task RespondWorkflowTaskFailedAsync(RespondWorkflowTaskFailedRequest req) => MutateAsync(m =>
    {
        var (run, _) = StartedTaskOrThrow(req.TaskToken, req.Namespace);
        FailWorkflowTask(m, run, req.Cause, req.Failure, req.Identity, timedOut: null);
    });

    /// <summary>
    /// Fails (or times out) the pending workflow task: writes the Failed/TimedOut event unless the task was transient,
    /// writes the buffer, and schedules the next attempt (transient unless new events arrived).
    /// </summary>
    private void FailWorkflowTask(Mutation m, Run run, WorkflowTaskFailedCause cause, Failure? failure, string identity,
        TimeoutType? timedOut)
    {
        var s = run.S;
        var wft = s.Wft!;
        if (wft.Speculative)
        {
            PersistTransient(m, run, wft);
        }

        if (!wft.Transient)
        {
            if (timedOut is { } type)
            {
                AddEvent(m, run, EventType.WorkflowTaskTimedOut, e =>
                    e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
                    {
                        ScheduledEventId = wft.ScheduledEventId,
                        StartedEventId = type == TimeoutType.ScheduleToStart ? 0 : wft.StartedEventId,
                        TimeoutType = type,
                    });
            }
            else
            {
                AddEvent(m, run, EventType.WorkflowTaskFailed, e =>
                    e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
                    {
                        ScheduledEventId = wft.ScheduledEventId,
                        StartedEventId = wft.StartedEventId,
                        Cause = cause,
                        Failure = failure,
                        Identity = identity,
                    });
            }
        }

        var nextAttempt = wft.Sticky ? wft.Attempt : wft.Attempt + 1;
        if (wft.Sticky)
        {
            s.StickyQueue = null;
        }

        s.Wft = null;
        m.Touch(run);
        RequeueDeliveredUpdates(run);
        var flushed = FlushBuffer(m, run);
        if (flushed || nextAttempt == 1)
        {
            ScheduleWorkflowTask(m, run, attempt: flushed ? 1 : nextAttempt, transient: false, speculative: false);
        }
        else
        {
            ScheduleWorkflowTask(m, run, nextAttempt, transient: true, speculative: false);
        }
    }

    private static void RequeueDeliveredUpdates(Run run)
    {
        if (run.DeliveredUpdates.Count > 0)
        {
            run.AdmittedUpdates.InsertRange(0, run.DeliveredUpdates);
            run.DeliveredUpdates.Clear();
        }
    }

    /// <summary>RespondWorkflowTaskCompleted: commands to events, messages to update outcomes, the next task.</summary>
    public async Task<RespondWorkflowTaskCompletedResponse> RespondWorkflowTaskCompletedAsync(
        RespondWorkflowTaskCompletedRequest req)
    {
        RpcExceptionHolder? error = null;
        var response = await MutateAsync(m =>
        {
            var (run, wft) = StartedTaskOrThrow(req.TaskToken, req.Namespace);
            var problem = ValidateCommands(run, req);
            if (problem is not null)
            {
                FailWorkflowTask(m, run, problem.Value.Cause, new Failure { Message = problem.Value.Message },
                    req.Identity, timedOut: null);
                error = new RpcExceptionHolder(RpcErrors.InvalidArgument(problem.Value.Message));
                return new RespondWorkflowTaskCompletedResponse();
            }

            return CompleteWorkflowTask(m, run, wft, req, ref error);
        }).ConfigureAwait(false);
        if (error is not null)
        {
            throw error.Exception;
        }

        return response;
    }

    /// <summary>Carries an error out of a mutation whose writes must still commit.</summary>
    private sealed record RpcExceptionHolder(global::Grpc.Core.RpcException Exception);

    private RespondWorkflowTaskCompletedResponse CompleteWorkflowTask(Mutation m, Run run, WftState wft,
        RespondWorkflowTaskCompletedRequest req, ref RpcExceptionHolder? error)
    {
        var s = run.S;
        var messages = req.Messages.ToDictionary(x => x.Id);
        var hasClose = req.Commands.Count > 0 && IsCloseCommand(req.Commands[^1].CommandType);
        var onlyRejections = req.Commands.Count == 0 && req.Messages.All(x => x.Body.Is(
            Temporalio.Api.Update.V1.Rejection.Descriptor));

        if (wft.Speculative && onlyRejections && s.Buffered.Count == 0 && !req.ForceCreateNewWorkflowTask)
        {
            // A speculative task that only rejected updates leaves no trace in history.
            foreach (var message in req.Messages)
            {
                HandleMessage(m, run, message, 0);
            }

            RequeueDeliveredUpdatesAsRejected(run);
            s.Wft = null;
            ApplySticky(s, req);
            m.Touch(run);
            if (run.AdmittedUpdates.Count > 0)
            {
                ScheduleWorkflowTask(m, run, 1, transient: true, speculative: true);
            }

            DispatchWaitingQueries(m, run);
            return new RespondWorkflowTaskCompletedResponse { ResetHistoryEventId = s.PreviousStartedEventId };
        }

        if (wft.Transient)
        {
            PersistTransient(m, run, wft);
        }

        if (hasClose && (UnhandledBufferedEvents(s, req) > 0 || run.AdmittedUpdates.Count > 0))
        {
            // Something arrived while the workflow decided to close: it must see it first.
            AddEvent(m, run, EventType.WorkflowTaskFailed, e =>
                e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
                {
                    ScheduledEventId = wft.ScheduledEventId,
                    StartedEventId = wft.StartedEventId,
                    Cause = WorkflowTaskFailedCause.UnhandledCommand,
                    Identity = req.Identity,
                });
            s.Wft = null;
            RequeueDeliveredUpdates(run);
            FlushBuffer(m, run);
            ScheduleWorkflowTask(m, run, 1, transient: false, speculative: false);
            error = new RpcExceptionHolder(RpcErrors.InvalidArgument("UnhandledCommand"));
            return new RespondWorkflowTaskCompletedResponse();
        }

        var completed = AddEvent(m, run, EventType.WorkflowTaskCompleted, e =>
            e.WorkflowTaskCompletedEventAttributes = new WorkflowTaskCompletedEventAttributes
            {
                ScheduledEventId = wft.ScheduledEventId,
                StartedEventId = wft.StartedEventId,
                Identity = req.Identity,
                BinaryChecksum = req.BinaryChecksum,
                SdkMetadata = req.SdkMetadata,
                MeteringMetadata = req.MeteringMetadata,
            });
        s.PreviousStartedEventId = wft.StartedEventId;
        s.CompletedWorkflowTasks++;
        s.Wft = null;
        ApplySticky(s, req);

        var deferred = new List<Action>();
        var eager = new List<ActivityState>();
        eagerActivities = eager;
        var newTaskNeeded = req.ForceCreateNewWorkflowTask;
        var handled = new HashSet<string>();
        foreach (var command in req.Commands)
        {
            if (command.CommandType == CommandType.ProtocolMessage)
            {
                var id = command.ProtocolMessageCommandAttributes.MessageId;
                if (messages.TryGetValue(id, out var message) && handled.Add(id))
                {
                    HandleMessage(m, run, message, completed.EventId);
                }

                continue;
            }

            newTaskNeeded |= HandleCommand(m, run, command, completed.EventId, req.Identity, deferred);
            if (!run.IsOpen)
            {
                break;
            }
        }

        foreach (var message in req.Messages)
        {
            if (run.IsOpen && handled.Add(message.Id))
            {
                HandleMessage(m, run, message, completed.EventId);
            }
        }

        RequeueDeliveredUpdatesAsRejected(run);
        if (run.IsOpen)
        {
            newTaskNeeded |= FlushBuffer(m, run);
            newTaskNeeded |= run.AdmittedUpdates.Count > 0;
            if (newTaskNeeded)
            {
                ScheduleWorkflowTask(m, run, 1, transient: false, speculative: false);
            }
        }

        eagerActivities = null;
        var response = new RespondWorkflowTaskCompletedResponse();
        foreach (var activity in eager)
        {
            if (run.IsOpen && run.S.Activities.ContainsKey(activity.ScheduledEventId))
            {
                response.ActivityTasks.Add(StartActivity(m, run, activity, req.Identity));
                EagerActivityStarts++;
            }
        }

        foreach (var action in deferred)
        {
            action();
        }

        // return_new_workflow_task, as Temporal: when the completion itself made a new task necessary (events that
        // arrived during the task, a forced task for a long local activity, admitted updates), the new task is started
        // at once for the same worker and handed back in the response instead of going through a poll.
        if (req.ReturnNewWorkflowTask && newTaskNeeded && run.IsOpen
            && run.S.Wft is { StartedEventId: 0, Transient: false, Speculative: false } next)
        {
            response.WorkflowTask = StartWorkflowTask(m, run, next, req.Identity, partial: next.Sticky);
            ReturnedNewWorkflowTasks++;
        }

        DispatchWaitingQueries(m, run);
        return response;
    }

    /// <summary>Workflow tasks handed back in a completion's response (return_new_workflow_task).</summary>
    public long ReturnedNewWorkflowTasks { get; private set; }

    private static void ApplySticky(RunState s, RespondWorkflowTaskCompletedRequest req)
    {
        var sticky = req.StickyAttributes?.WorkerTaskQueue?.Name;
        if (string.IsNullOrEmpty(sticky))
        {
            s.StickyQueue = null;
        }
        else
        {
            s.StickyQueue = sticky;
            s.StickyScheduleToStartMs = Math.Max(Nanos.Ms(req.StickyAttributes!.ScheduleToStartTimeout), 1000);
        }
    }

    /// <summary>Updates delivered but neither accepted nor rejected by the worker are rejected by the server.</summary>
    private static void RequeueDeliveredUpdatesAsRejected(Run run)
    {
        foreach (var update in run.DeliveredUpdates)
        {
            update.Resolved.TrySetResult(new Temporalio.Api.Update.V1.Outcome
            {
                Failure = new Failure
                {
                    Message = "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow "
                        + "Update is not supported by the worker.",
                    ApplicationFailureInfo = new ApplicationFailureInfo { Type = "UnprocessedUpdate" },
                },
            });
        }

        run.DeliveredUpdates.Clear();
    }

    private static bool IsCloseCommand(CommandType type) => type is CommandType.CompleteWorkflowExecution
        or CommandType.FailWorkflowExecution or CommandType.CancelWorkflowExecution
        or CommandType.ContinueAsNewWorkflowExecution;

    /// <summary>Workflow task timeouts (start-to-close, sticky schedule-to-start).</summary>
    private void OnWorkflowTaskTimer(Mutation m, Run run, TimerEntry entry)
    {
        if (run.S.Wft is not { } wft || wft.Sequence != (int)entry.Id)
        {
            return;
        }

        if (entry.Kind == TimerKind.WorkflowTaskStartToClose && wft.StartedEventId > 0)
        {
            FailWorkflowTask(m, run, WorkflowTaskFailedCause.Unspecified, null, "", TimeoutType.StartToClose);
        }
        else if (entry.Kind == TimerKind.WorkflowTaskScheduleToStart && wft.StartedEventId == 0 && wft.Sticky)
        {
            // Not picked up from the sticky queue in time: back to the normal queue, same attempt.
            var s = run.S;
            if (!wft.Transient)
            {
                AddEvent(m, run, EventType.WorkflowTaskTimedOut, e =>
                    e.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
                    {
                        ScheduledEventId = wft.ScheduledEventId,
                        TimeoutType = TimeoutType.ScheduleToStart,
                    });
            }

            s.StickyQueue = null;
            s.Wft = null;
            ScheduleWorkflowTask(m, run, wft.Attempt, transient: wft.Transient, speculative: wft.Speculative);
        }
    }

    /// <summary>ShutdownWorker: the sticky queue's tasks go to the normal queue at once.</summary>
    public Task ShutdownWorkerAsync(string ns, string stickyQueue)
    {
        if (string.IsNullOrEmpty(stickyQueue))
        {
            return Task.CompletedTask;
        }

        // The queue's queued references are dropped: every task they pointed at is dispatched again below.
        matching.Unload(new QueueKey(ns, stickyQueue, false));
        return MutateAsync(m =>
        {
            foreach (var run in runs.Values.Where(r => r.IsOpen && r.S.StickyQueue == stickyQueue).ToList())
            {
                run.S.StickyQueue = null;
                m.Touch(run);
                if (run.S.Wft is { StartedEventId: 0, Sticky: true } wft)
                {
                    wft.Sticky = false;
                    wft.TaskQueue = run.S.TaskQueue;
                    wft.Sequence = ++sequence;
                    DispatchWorkflowTask(m, run, wft);
                }
            }

        });
    }
}
