using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Worker;

/// <summary>The requests workflow code makes through <see cref="Workflow"/>: activities, timers, conditions, patches, children, external signals and cancels.</summary>
internal sealed partial class WorkflowInstance
{
    public Task<string?> ScheduleActivity(string activityType, IReadOnlyCollection<object?> args, ActivityOptions options)
    {
        if (options.StartToCloseTimeout is null && options.ScheduleToCloseTimeout is null)
        {
            throw new ArgumentException($"ActivityOptions for '{activityType}' need StartToCloseTimeout or ScheduleToCloseTimeout (as in Temporal).");
        }

        if (options.RetryPolicy?.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException($"ActivityOptions for '{activityType}': {string.Join(" ", errors)}");
        }

        var token = options.CancellationToken ?? CancellationToken;
        if (token.IsCancellationRequested)
        {
            return Task.FromException<string?>(new ActivityFailureException(activityType, 0, 0, new CanceledFailureException("the activity was canceled before it was scheduled")));
        }

        var argsJson = PayloadConverter.SerializeArgs(args);
        CheckPayload(argsJson, $"arguments of activity '{activityType}'");
        var record = new ActivityOptionsRecord
        {
            StartToClose = options.StartToCloseTimeout, ScheduleToClose = options.ScheduleToCloseTimeout, ScheduleToStart = options.ScheduleToStartTimeout,
            Heartbeat = options.HeartbeatTimeout, RetryPolicy = options.RetryPolicy, Summary = options.Summary,
        };
        var queueName = options.TaskQueue ?? Info.TaskQueue;
        var recordJson = PayloadConverter.Serialize(record);
        var id = AddCommand(id => new WorkflowCommand(new HistoryEvent
        {
            EventId = id, Timestamp = Now, EventType = EventType.ActivityTaskScheduled, Name = activityType, Payload = argsJson, TaskQueue = queueName, Details = recordJson,
        })
        {
            Activity = new NewActivity { ScheduledEventId = id, ActivityType = activityType, TaskQueue = queueName, ArgsJson = argsJson, Options = record, OptionsJson = recordJson },
        });
        var pending = new PendingActivity(id, activityType, options.CancellationType);
        activities[id] = pending;
        if (token.CanBeCanceled)
        {
            pending.Registration = token.Register(() => CancelActivity(pending));
        }

        return pending.Completion.Task;
    }

    private void CancelActivity(PendingActivity p)
    {
        if (!activities.ContainsKey(p.Id) || IsClosed)
        {
            return;
        }

        if (p.CancellationType != ActivityCancellationType.Abandon)
        {
            AddCommand(_ => new WorkflowCommand(new HistoryEvent { EventType = EventType.ActivityTaskCancelRequested, Name = p.Type, ScheduledEventId = p.Id }) { CancelActivity = p.Id });
        }

        if (p.CancellationType != ActivityCancellationType.WaitCancellationCompleted)
        {
            activities.Remove(p.Id);
            p.Completion.TrySetException(new ActivityFailureException(p.Type, p.Id, 0, new CanceledFailureException("the activity was canceled")));
        }
    }

    private void ResolveActivity(HistoryEvent e)
    {
        if (!activities.Remove(e.ScheduledEventId ?? 0, out var p))
        {
            return;
        }

        p.Registration.Dispose();
        var attempts = e.Attempt ?? 1;
        switch (e.EventType)
        {
            case EventType.ActivityTaskCompleted:
                p.Completion.TrySetResult(e.Payload);
                break;
            case EventType.ActivityTaskCanceled:
                p.Completion.TrySetException(new ActivityFailureException(p.Type, p.Id, attempts, new CanceledFailureException(e.Failure?.Message ?? "the activity was canceled")));
                break;
            case EventType.ActivityTaskTimedOut:
                p.Completion.TrySetException(new ActivityFailureException(p.Type, p.Id, attempts, new TimeoutFailureException(e.Failure?.Message ?? "the activity timed out", e.Failure?.Type ?? "StartToClose")));
                break;
            default:
                p.Completion.TrySetException(new ActivityFailureException(p.Type, p.Id, attempts, FailureConverter.ToException(e.Failure)));
                break;
        }
    }

    public Task StartTimer(TimeSpan delay, CancellationToken token)
    {
        if (token.IsCancellationRequested)
        {
            return Task.FromCanceled(token);
        }

        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var fireAt = Now + delay;
        var id = AddCommand(id => new WorkflowCommand(new HistoryEvent { EventType = EventType.TimerStarted, Duration = delay }) { Timer = new NewTimer(id, fireAt) });
        var timer = new PendingTimer(id);
        timers[id] = timer;
        if (token.CanBeCanceled)
        {
            timer.Registration = token.Register(() =>
            {
                if (timers.Remove(id) && !IsClosed)
                {
                    AddCommand(_ => new WorkflowCommand(new HistoryEvent { EventType = EventType.TimerCanceled, ScheduledEventId = id }) { CancelTimer = id });
                    timer.Completion.TrySetCanceled(token);
                }
            });
        }

        return timer.Completion.Task;
    }

    public async Task<bool> WaitConditionAsync(Func<bool> predicate, TimeSpan? timeout, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        if (predicate())
        {
            return true;
        }

        var condition = new Condition(predicate, new TaskCompletionSource<bool>());
        conditions.Add(condition);
        using var reg = token.CanBeCanceled
            ? token.Register(() =>
            {
                conditions.Remove(condition);
                condition.Completion.TrySetCanceled(token);
            })
            : default;
        if (timeout is null)
        {
            return await condition.Completion.Task;
        }

        using var timerCancel = CancellationTokenSource.CreateLinkedTokenSource(token);
        var timer = StartTimer(timeout.Value, timerCancel.Token);
        var first = await Task.WhenAny(condition.Completion.Task, timer);
        if (first == condition.Completion.Task)
        {
            if (!timer.IsCompleted)
            {
                timerCancel.Cancel();
            }

            return await condition.Completion.Task;
        }

        conditions.Remove(condition);
        await timer;
        return false;
    }

    public bool Patched(string patchId, bool deprecated)
    {
        if (patches.TryGetValue(patchId, out var memo))
        {
            return memo;
        }

        bool result;
        if (expected is not null)
        {
            // Replaying: the patch is in effect only if history recorded its marker at this point.
            var rec = expectedIndex < expected.Count ? expected[expectedIndex] : null;
            result = rec is { EventType: EventType.MarkerRecorded, Name: "patch" } && rec.Payload == PayloadConverter.Serialize(patchId);
            if (result)
            {
                expectedIndex++;
                nextEventId++;
            }
        }
        else if (IsReplaying)
        {
            result = false;
        }
        else
        {
            if (!deprecated)
            {
                var json = PayloadConverter.Serialize(patchId);
                AddCommand(_ => new WorkflowCommand(new HistoryEvent { EventType = EventType.MarkerRecorded, Name = "patch", Payload = json }));
            }

            result = true;
        }

        patches[patchId] = result || deprecated;
        return result || deprecated;
    }

    public PendingChild StartChild(string workflowType, IReadOnlyCollection<object?> args, ChildWorkflowOptions options)
    {
        var argsJson = PayloadConverter.SerializeArgs(args);
        CheckPayload(argsJson, $"arguments of child workflow '{workflowType}'");
        var token = options.CancellationToken ?? CancellationToken;
        var childRunId = NewRunId();
        var queueName = options.TaskQueue ?? Info.TaskQueue;
        var seed = (long)Random.Next() << 31 | (uint)Random.Next();
        string childId = options.Id ?? string.Empty;
        var id = AddCommand(id =>
        {
            childId = options.Id ?? $"{Info.WorkflowId}/child-{id}";
            return new WorkflowCommand(new HistoryEvent
            {
                EventType = EventType.StartChildWorkflowExecutionInitiated, Name = workflowType, Payload = argsJson, WorkflowId = childId, RunId = childRunId, TaskQueue = queueName,
            })
            {
                Child = new ChildStart
                {
                    InitiatedEventId = id, WorkflowId = childId, RunId = childRunId, WorkflowType = workflowType, TaskQueue = queueName, ArgsJson = argsJson,
                    ParentClosePolicy = options.ParentClosePolicy, RandomSeed = seed,
                },
            };
        });
        var child = new PendingChild(id, childId, RecordedRunId(childRunId), workflowType);
        children[id] = child;
        if (token.CanBeCanceled)
        {
            child.Registration = token.Register(() =>
            {
                if (children.ContainsKey(id) && !IsClosed)
                {
                    AddCommand(cancelId => new WorkflowCommand(new HistoryEvent { EventType = EventType.RequestCancelExternalWorkflowExecutionInitiated, WorkflowId = childId, Name = workflowType })
                    {
                        External = new ExternalRequest { InitiatedEventId = cancelId, WorkflowId = childId, ChildWorkflowOnly = true, Reason = $"canceled by parent '{Info.WorkflowId}'" },
                    });
                }
            });
        }

        return child;
    }

    private void ResolveChild(HistoryEvent e)
    {
        if (!children.TryGetValue(e.ScheduledEventId ?? 0, out var c))
        {
            return;
        }

        switch (e.EventType)
        {
            case EventType.ChildWorkflowExecutionStarted:
                c.Started.TrySetResult();
                return;
            case EventType.StartChildWorkflowExecutionFailed:
                var startError = new ChildWorkflowFailureException(c.WorkflowId, c.Type, FailureConverter.ToException(e.Failure));
                c.Started.TrySetException(startError);
                c.Result.TrySetException(startError);

                // StartChildWorkflowAsync observes only Started (no handle, so no GetResultAsync): mark Result's failure observed.
                _ = c.Result.Task.Exception;
                break;
            case EventType.ChildWorkflowExecutionCompleted:
                c.Result.TrySetResult(e.Payload);
                break;
            default:
                c.Result.TrySetException(new ChildWorkflowFailureException(c.WorkflowId, c.Type, FailureConverter.ToException(e.Failure)));
                break;
        }

        children.Remove(c.Id);
        c.Registration.Dispose();
    }

    /// <summary>
    /// Sends a signal to another workflow (a child when <paramref name="childWorkflowOnly"/>). The task completes when the
    /// delivery is recorded (<c>ExternalWorkflowExecutionSignaled</c>) and fails when the target has no open run.
    /// </summary>
    public Task SignalExternal(string workflowId, string? runId, bool childWorkflowOnly, string signal, IReadOnlyCollection<object?> args, CancellationToken? cancellationToken)
    {
        // As in Temporal: a token already canceled means the signal is not even scheduled. A token canceled later has no
        // effect (a difference: Temporal drops a signal canceled within the workflow task that issued it; here it is sent).
        if ((cancellationToken ?? CancellationToken).IsCancellationRequested)
        {
            return Task.FromException(new CanceledFailureException("Signal cancelled before scheduled"));
        }

        var argsJson = PayloadConverter.SerializeArgs(args);
        CheckPayload(argsJson, $"arguments of signal '{signal}' to workflow '{workflowId}'");
        var id = AddCommand(id => new WorkflowCommand(new HistoryEvent
        {
            EventType = EventType.SignalExternalWorkflowExecutionInitiated, Name = signal, Payload = argsJson, WorkflowId = workflowId, RunId = runId,
        })
        {
            External = new ExternalRequest
            {
                InitiatedEventId = id, WorkflowId = workflowId, RunId = runId, ChildWorkflowOnly = childWorkflowOnly, SignalName = signal, ArgsJson = argsJson,
            },
        });
        var pending = new PendingExternal(id, $"signal {signal} to {workflowId}");
        externals[id] = pending;
        return pending.Completion.Task;
    }

    /// <summary>Requests cancellation of another workflow. Completes when the request is recorded, fails when the target has no open run.</summary>
    public Task CancelExternal(string workflowId, string? runId)
    {
        var id = AddCommand(id => new WorkflowCommand(new HistoryEvent { EventType = EventType.RequestCancelExternalWorkflowExecutionInitiated, WorkflowId = workflowId, RunId = runId })
        {
            External = new ExternalRequest { InitiatedEventId = id, WorkflowId = workflowId, RunId = runId, Reason = $"cancel requested by workflow '{Info.WorkflowId}'" },
        });
        var pending = new PendingExternal(id, $"cancel of {workflowId}");
        externals[id] = pending;
        return pending.Completion.Task;
    }

    private void ResolveExternal(HistoryEvent e)
    {
        // Outcomes of a child's cancellation (requested through its token) have no pending entry: the child's own close resolves it.
        if (!externals.Remove(e.ScheduledEventId ?? 0, out var p))
        {
            return;
        }

        if (e.EventType is EventType.SignalExternalWorkflowExecutionFailed or EventType.RequestCancelExternalWorkflowExecutionFailed)
        {
            p.Completion.TrySetException(FailureConverter.ToException(e.Failure));
        }
        else
        {
            p.Completion.TrySetResult();
        }
    }

    private void CheckPayload(string json, string what)
    {
        if (json.Length > limits.MaxPayloadBytes)
        {
            throw new ApplicationFailureException(
                $"The {what} are {json.Length:N0} bytes, over the {limits.MaxPayloadBytes:N0}-byte payload limit; pass a reference (a key or a URL) instead of the data.",
                "PayloadTooLarge",
                nonRetryable: true);
        }
    }

    internal sealed class PendingActivity(long id, string type, ActivityCancellationType cancellationType)
    {
        public long Id { get; } = id;

        public string Type { get; } = type;

        public ActivityCancellationType CancellationType { get; } = cancellationType;

        public TaskCompletionSource<string?> Completion { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }
    }

    internal sealed class PendingTimer(long id)
    {
        public long Id { get; } = id;

        public TaskCompletionSource Completion { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }
    }

    internal sealed class PendingExternal(long id, string what)
    {
        public long Id { get; } = id;

        public string What { get; } = what;

        public TaskCompletionSource Completion { get; } = new();
    }

    internal sealed class PendingChild(long id, string workflowId, string runId, string type)
    {
        public long Id { get; } = id;

        public string WorkflowId { get; } = workflowId;

        public string RunId { get; } = runId;

        public string Type { get; } = type;

        public TaskCompletionSource Started { get; } = new();

        public TaskCompletionSource<string?> Result { get; } = new();

        public CancellationTokenRegistration Registration { get; set; }
    }
}
