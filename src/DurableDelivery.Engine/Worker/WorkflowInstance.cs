using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;
using DurableDelivery.Engine.Workflows;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Worker;

/// <summary>
/// One live workflow run: a single-threaded, deterministic <see cref="TaskScheduler"/> plus the state machine that turns
/// incoming history events into resolved tasks and the code's requests into commands. See Worker/README.md.
/// </summary>
internal sealed partial class WorkflowInstance : TaskScheduler
{
    private readonly LinkedList<Task> queue = new();
    private readonly object queueLock = new();
    private readonly List<Condition> conditions = [];
    private readonly Dictionary<long, PendingActivity> activities = [];
    private readonly Dictionary<long, PendingTimer> timers = [];
    private readonly Dictionary<long, PendingChild> children = [];
    private readonly Dictionary<long, PendingExternal> externals = [];
    private readonly Dictionary<string, bool> patches = new(StringComparer.Ordinal);
    private readonly List<HistoryEvent> bufferedSignals = [];
    private readonly CancellationTokenSource cancelSource = new();
    private readonly List<WorkflowCommand> commands = [];
    private readonly EngineLimits limits;
    private readonly Action<WorkflowInstance>? onEscape;
    private readonly ILogger engineLogger;
    private IReadOnlyList<HistoryEvent>? expected;
    private int expectedIndex;
    private volatile bool inActivation;
    private int activationThread = -1;
    private bool readOnly;
    private Exception? violation;
    private Exception? taskFailure;
    private FailureException? handlerFailure;
    private object? workflow;
    private Task? mainTask;
    private Task? runTask;
    private object?[]? startArgs;
    private bool startPending;
    private long nextEventId;
    private int runningHandlers;

    public WorkflowInstance(WorkflowDefinition definition, WorkflowInfo info, ILogger logger, EngineLimits limits, Action<WorkflowInstance>? onEscape = null)
    {
        Definition = definition;
        Info = info;
        this.limits = limits;
        this.onEscape = onEscape;
        engineLogger = logger;
        Logger = new ReplaySafeLogger(logger, () => IsReplaying);
        WorkflowTracingEventListener.EnsureStarted();
        Random = new DeterministicRandom(0);
    }

    public WorkflowDefinition Definition { get; }

    public WorkflowInfo Info { get; private set; }

    public ILogger Logger { get; }

    public DeterministicRandom Random { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public bool IsReplaying { get; private set; }

    public long LastEventId { get; private set; }

    public long Version { get; set; }

    public long HistorySize { get; set; }

    public bool IsClosed { get; private set; }

    /// <summary>Gets the scheduler escape detected since the last activation, if any.</summary>
    public Exception? Violation => violation;

    public bool CancelRequested => cancelSource.IsCancellationRequested;

    public CancellationToken CancellationToken => cancelSource.Token;

    public long CurrentHistoryLength => nextEventId > 0 ? nextEventId - 1 : LastEventId;

    public bool ContinueAsNewSuggested => CurrentHistoryLength >= limits.SuggestContinueAsNewEvents || HistorySize >= limits.SuggestContinueAsNewBytes;

    public bool AllHandlersFinished => runningHandlers == 0;

    /// <summary>Gets a description of what the run waits for, shown by describe.</summary>
    public IReadOnlyList<string> Waiting =>
        [.. activities.Values.Select(a => $"activity {a.Type} (#{a.Id})"), .. timers.Values.Select(t => $"timer #{t.Id}"), .. children.Values.Select(c => $"child {c.WorkflowId}"),
         .. externals.Values.Select(x => $"{x.What} (#{x.Id})"),
         .. conditions.Count > 0 ? [$"{conditions.Count} condition(s)"] : Array.Empty<string>()];

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Gets the instance running the current workflow code, or throws if called from elsewhere.</summary>
    public static WorkflowInstance Running => TaskScheduler.Current as WorkflowInstance
        ?? throw new InvalidWorkflowOperationException(
            "This API can only be called from workflow code running on the workflow scheduler. If you are in workflow code, you escaped the scheduler " +
            "(Task.Run, ConfigureAwait(false), Task.Delay, a thread-pool timer): use Workflow.RunTaskAsync, Workflow.DelayAsync and activities instead.");

    /// <summary>Re-runs the code against a recorded history. Returns the trailing events that no workflow task has processed yet.</summary>
    public IReadOnlyList<HistoryEvent> Replay(IReadOnlyList<HistoryEvent> history)
    {
        var i = 0;
        IsReplaying = true;
        try
        {
            while (i < history.Count)
            {
                var incoming = new List<HistoryEvent>();
                while (i < history.Count && history[i].EventType != EventType.WorkflowTaskCompleted)
                {
                    var e = history[i];
                    if (e.IsCommand)
                    {
                        throw new NondeterminismException($"Corrupt history at event #{e.EventId}: command {e.Summary} is not preceded by a WorkflowTaskCompleted event.");
                    }

                    incoming.Add(e);
                    i++;
                }

                if (i == history.Count)
                {
                    LastEventId = history[^1].EventId;
                    return incoming.Where(e => e.EventType is not (EventType.WorkflowExecutionTerminated or EventType.WorkflowExecutionTimedOut)).ToList();
                }

                var wtc = history[i++];
                var recorded = new List<HistoryEvent>();
                while (i < history.Count && history[i].IsCommand)
                {
                    recorded.Add(history[i++]);
                }

                Activate(incoming, wtc.Timestamp, wtc.EventId, recorded);
            }

            return [];
        }
        finally
        {
            IsReplaying = false;
        }
    }

    /// <summary>
    /// Applies incoming events, runs the code until every task waits, and returns the commands it produced.
    /// <paramref name="recorded"/> is the commands history holds for this task when replaying (null when live).
    /// </summary>
    public ActivationResult Activate(IReadOnlyList<HistoryEvent> incoming, DateTimeOffset now, long workflowTaskEventId, IReadOnlyList<HistoryEvent>? recorded = null)
    {
        if (violation is not null)
        {
            throw violation;
        }

        Now = now;
        nextEventId = workflowTaskEventId + 1;
        commands.Clear();
        expected = recorded;
        expectedIndex = 0;
        taskFailure = null;
        activationThread = Environment.CurrentManagedThreadId;
        inActivation = true;
        using var tracing = WorkflowTracingEventListener.Enter(this);

        // Awaits capture a SynchronizationContext before the TaskScheduler: clear it so that every continuation comes
        // back to this scheduler, whoever calls us (a UI thread, a test framework).
        var syncContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Schedule(() =>
            {
                foreach (var e in incoming)
                {
                    Apply(e);
                }

                if (startPending)
                {
                    startPending = false;
                    StartMain();
                }
            });
            RunUntilIdle();
            if (violation is not null)
            {
                throw violation;
            }

            if (taskFailure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(taskFailure).Throw();
            }

            CheckClose();
            if (expected is not null && expectedIndex < expected.Count)
            {
                var next = expected[expectedIndex];
                throw new NondeterminismException(
                    $"Nondeterminism at event #{next.EventId}: history recorded {next.Summary} but the workflow code produced no such command in this workflow task. " +
                    "The code changed in a way that is not replay-safe: guard the change with Workflow.Patched(\"<id>\") or start new runs.");
            }

            LastEventId = nextEventId - 1;
            return new ActivationResult([.. commands], LastEventId);
        }
        finally
        {
            inActivation = false;
            expected = null;
            SynchronizationContext.SetSynchronizationContext(syncContext);
        }
    }

    /// <summary>Runs a query handler or an update validator: read-only, no commands, no awaiting.</summary>
    public object? ExecuteReadOnly(Func<object?> body)
    {
        var task = new Task<object?>(body);
        activationThread = Environment.CurrentManagedThreadId;
        inActivation = true;
        readOnly = true;
        var syncContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            task.Start(this);
            lock (queueLock)
            {
                queue.Remove(task);
            }

            TryExecuteTask(task);
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            readOnly = false;
            inActivation = false;
            SynchronizationContext.SetSynchronizationContext(syncContext);
        }
    }

    /// <summary>Answers a query on the current state.</summary>
    public string? Query(string name, string argsJson)
    {
        if (!Definition.Queries.TryGetValue(name, out var q))
        {
            throw new WorkflowQueryFailedException($"Workflow type '{Definition.Name}' has no query '{name}'; known queries: {Known(Definition.Queries.Keys)}.");
        }

        var args = PayloadConverter.DeserializeArgs(argsJson, q.ParameterTypes, $"query '{name}'");
        var result = ExecuteReadOnly(() => q.Method.Invoke(workflow, args));
        return PayloadConverter.Serialize(result);
    }

    /// <summary>Runs an update's validator. Returns null when accepted, or the reason for the rejection.</summary>
    public FailureInfo? ValidateUpdate(string name, string argsJson)
    {
        if (!Definition.Updates.TryGetValue(name, out var u))
        {
            return new FailureInfo { Message = $"workflow type '{Definition.Name}' has no update '{name}'; known updates: {Known(Definition.Updates.Keys)}", Type = "UnknownUpdate" };
        }

        if (IsClosed || workflow is null)
        {
            return new FailureInfo { Message = "the workflow is not running", Type = "WorkflowClosed" };
        }

        try
        {
            var args = PayloadConverter.DeserializeArgs(argsJson, u.ParameterTypes, $"update '{name}'");
            if (u.Validator is { } validator)
            {
                ExecuteReadOnly(() => validator.Invoke(workflow, args));
            }

            return null;
        }
        catch (Exception e)
        {
            var inner = FailureConverter.Unwrap(e);
            return new FailureInfo { Message = inner.Message, Type = inner is ApplicationFailureException a ? a.ErrorType ?? inner.GetType().Name : inner.GetType().Name };
        }
    }

    /// <summary>Records that workflow code escaped the scheduler; the current or next activation fails with this message.</summary>
    public void ReportEscape(string what)
    {
        violation ??= new InvalidWorkflowSchedulerException(
            $"Workflow '{Info.WorkflowId}' ({Definition.Name}) continued on a thread outside its deterministic scheduler: {what}. " +
            "Workflow code must not use Task.Run, Task.Delay, thread-pool timers, ConfigureAwait(false) or real I/O: use Workflow.DelayAsync, " +
            "Workflow.RunTaskAsync, Workflow.WhenAnyAsync/WhenAllAsync, and activities for real work.");
        if (!inActivation)
        {
            onEscape?.Invoke(this);
        }
    }

    protected override void QueueTask(Task task)
    {
        if (!inActivation || Environment.CurrentManagedThreadId != activationThread)
        {
            ReportEscape("the code awaited something that completed on another thread");
        }

        lock (queueLock)
        {
            queue.AddLast(task);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (queueLock)
        {
            return [.. queue];
        }
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = names.OrderBy(n => n, StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list);
    }

    private void Schedule(Action action) => Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, this);

    private Task ScheduleAsync(Func<Task> action) => Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.None, this).Unwrap();

    private void RunUntilIdle()
    {
        while (true)
        {
            while (true)
            {
                Task? next;
                lock (queueLock)
                {
                    if (queue.First is null)
                    {
                        break;
                    }

                    next = queue.First.Value;
                    queue.RemoveFirst();
                }

                TryExecuteTask(next);
                if (violation is not null)
                {
                    return;
                }
            }

            if (conditions.Count == 0)
            {
                return;
            }

            var progressed = false;
            Schedule(() => progressed = CheckConditions());
            lock (queueLock)
            {
                var t = queue.First!.Value;
                queue.RemoveFirst();
                TryExecuteTask(t);
            }

            if (!progressed)
            {
                lock (queueLock)
                {
                    if (queue.Count == 0)
                    {
                        return;
                    }
                }
            }
        }
    }

    private bool CheckConditions()
    {
        var progressed = false;
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            bool ok;
            try
            {
                ok = c.Predicate();
            }
            catch (Exception e)
            {
                conditions.RemoveAt(i--);
                c.Completion.TrySetException(e);
                progressed = true;
                continue;
            }

            if (ok)
            {
                conditions.RemoveAt(i--);
                c.Completion.TrySetResult(true);
                progressed = true;
            }
        }

        return progressed;
    }

    /// <summary>The recorded event the last command matched while replaying; null when that command was new.</summary>
    private HistoryEvent? replayedCommand;

    private long AddCommand(Func<long, WorkflowCommand> build)
    {
        if (readOnly)
        {
            throw new InvalidWorkflowOperationException("Queries and update validators must not change workflow state (no activities, timers or other commands).");
        }

        if (IsClosed)
        {
            throw new InvalidWorkflowOperationException("The workflow already closed; no more commands can be issued.");
        }

        var id = nextEventId;
        var cmd = build(id);

        // Builders on the hot path stamp the event themselves, which saves copying the event and the command.
        var ev = cmd.Event.EventId == id && cmd.Event.Timestamp.EqualsExact(Now) ? cmd.Event : cmd.Event with { EventId = id, Timestamp = Now };
        if (expected is not null)
        {
            if (expectedIndex >= expected.Count)
            {
                throw new NondeterminismException(
                    $"Nondeterminism at event #{id}: the workflow code produced {ev.EventType}({ev.Name}) but history has no further command in this workflow task. " +
                    "The code changed in a way that is not replay-safe: guard the change with Workflow.Patched(\"<id>\") or start new runs.");
            }

            var rec = expected[expectedIndex];
            if (rec.EventType != ev.EventType || !string.Equals(rec.Name, ev.Name, StringComparison.Ordinal) || rec.EventId != id)
            {
                throw new NondeterminismException(
                    $"Nondeterminism at event #{rec.EventId}: history recorded {rec.Summary} but the workflow code produced {ev.EventType}({ev.Name}). " +
                    "The code changed in a way that is not replay-safe: guard the change with Workflow.Patched(\"<id>\") or start new runs.");
            }

            expectedIndex++;
        }

        replayedCommand = expected is not null ? expected[expectedIndex - 1] : null;
        nextEventId++;
        commands.Add(ReferenceEquals(ev, cmd.Event) ? cmd : cmd with { Event = ev });
        return id;
    }

    private void Apply(HistoryEvent e)
    {
        switch (e.EventType)
        {
            case EventType.WorkflowExecutionStarted:
                ApplyStarted(e);
                break;
            case EventType.WorkflowExecutionSignaled:
                DeliverSignal(e);
                break;
            case EventType.WorkflowExecutionUpdateAccepted:
                StartUpdate(e);
                break;
            case EventType.WorkflowExecutionCancelRequested:
                if (!cancelSource.IsCancellationRequested)
                {
                    cancelSource.Cancel();
                }

                break;
            case EventType.ActivityTaskCompleted or EventType.ActivityTaskFailed or EventType.ActivityTaskTimedOut or EventType.ActivityTaskCanceled:
                ResolveActivity(e);
                break;
            case EventType.TimerFired:
                if (timers.Remove(e.ScheduledEventId ?? 0, out var timer))
                {
                    timer.Registration.Dispose();
                    timer.Completion.TrySetResult();
                }

                break;
            case EventType.ChildWorkflowExecutionStarted or EventType.StartChildWorkflowExecutionFailed or EventType.ChildWorkflowExecutionCompleted
                or EventType.ChildWorkflowExecutionFailed or EventType.ChildWorkflowExecutionCanceled or EventType.ChildWorkflowExecutionTerminated
                or EventType.ChildWorkflowExecutionTimedOut:
                ResolveChild(e);
                break;
            case EventType.ExternalWorkflowExecutionSignaled or EventType.SignalExternalWorkflowExecutionFailed
                or EventType.ExternalWorkflowExecutionCancelRequested or EventType.RequestCancelExternalWorkflowExecutionFailed:
                ResolveExternal(e);
                break;
            default:
                break;
        }
    }

    private void ApplyStarted(HistoryEvent e)
    {
        var details = e.Details is null ? null : PayloadConverter.Deserialize<Storage.Sqlite.SqliteWorkflowStore.StartedDetails>(e.Details);
        Random = new DeterministicRandom(details?.RandomSeed ?? 0);
        Info = Info with
        {
            WorkflowType = e.Name ?? Info.WorkflowType,
            TaskQueue = e.TaskQueue ?? Info.TaskQueue,
            StartTime = e.Timestamp,
            ContinuedRunId = e.RunId,
            ParentWorkflowId = e.WorkflowId,
        };
        startArgs = PayloadConverter.DeserializeArgs(e.Payload, Definition.RunParameterTypes, $"workflow '{Definition.Name}'");
        workflow ??= CreateWorkflowObject(startArgs);
        startPending = true;
    }

    /// <summary>
    /// Creates the workflow object from the started event before the activation applies it, so that update
    /// validators in the first activation run against an initialized workflow (Temporal runs [WorkflowInit] first).
    /// </summary>
    public void CreateBeforeValidation(HistoryEvent started)
    {
        if (workflow is null && started.EventType == EventType.WorkflowExecutionStarted)
        {
            var args = PayloadConverter.DeserializeArgs(started.Payload, Definition.RunParameterTypes, $"workflow '{Definition.Name}'");
            workflow = ExecuteReadOnly(() => CreateWorkflowObject(args));
        }
    }

    private object CreateWorkflowObject(object?[] args) =>
        Definition.InitConstructor is { } init ? init.Invoke(args) : Activator.CreateInstance(Definition.Type)!;

    private void StartMain()
    {
        mainTask = ScheduleAsync(() => runTask = (Task)Definition.RunMethod.Invoke(workflow, startArgs)!);
    }

    private void DeliverSignal(HistoryEvent e)
    {
        if (workflow is null || !Definition.Signals.TryGetValue(e.Name ?? string.Empty, out var handler))
        {
            bufferedSignals.Add(e);
            engineLogger.LogWarning("Workflow {WorkflowId} received signal {Signal} with no handler; it is buffered", Info.WorkflowId, e.Name);
            return;
        }

        object?[] args;
        try
        {
            args = PayloadConverter.DeserializeArgs(e.Payload, handler.ParameterTypes, $"signal '{e.Name}'");
        }
        catch (ArgumentException ex)
        {
            engineLogger.LogWarning("Workflow {WorkflowId} dropped signal {Signal}: {Reason}", Info.WorkflowId, e.Name, ex.Message);
            return;
        }

        RunHandler(async () =>
        {
            var result = handler.Method.Invoke(workflow, args);
            if (result is Task t)
            {
                await t;
            }
        });
    }

    private void StartUpdate(HistoryEvent e)
    {
        var name = e.Name ?? string.Empty;
        var updateId = e.RequestId ?? string.Empty;
        if (!Definition.Updates.TryGetValue(name, out var handler) || workflow is null)
        {
            CompleteUpdate(updateId, name, null, new FailureInfo { Message = $"no update handler '{name}'", Type = "UnknownUpdate" });
            return;
        }

        var args = PayloadConverter.DeserializeArgs(e.Payload, handler.ParameterTypes, $"update '{name}'");
        RunHandler(async () =>
        {
            try
            {
                var t = (Task)handler.Method.Invoke(workflow, args)!;
                await t;
                object? result = handler.ResultType is null ? null : t.GetType().GetProperty("Result")!.GetValue(t);
                CompleteUpdate(updateId, name, PayloadConverter.Serialize(result), null);
            }
            catch (Exception ex) when (FailureConverter.Unwrap(ex) is FailureException or OperationCanceledException)
            {
                CompleteUpdate(updateId, name, null, FailureConverter.ToFailure(ex));
            }
        });
    }

    private void CompleteUpdate(string updateId, string name, string? resultJson, FailureInfo? failure)
    {
        if (IsClosed)
        {
            return;
        }

        AddCommand(_ => new WorkflowCommand(new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionUpdateCompleted, Name = name, RequestId = updateId, Payload = resultJson, Failure = failure,
        })
        {
            Update = new UpdateResolution(updateId, UpdateState.Completed, resultJson, failure),
        });
    }

    private void RunHandler(Func<Task> body)
    {
        runningHandlers++;
        ScheduleAsync(async () =>
        {
            try
            {
                await body();
            }
            catch (Exception ex)
            {
                var inner = FailureConverter.Unwrap(ex);
                if (inner is FailureException fe)
                {
                    handlerFailure ??= fe;
                }
                else
                {
                    taskFailure ??= inner;
                }
            }
            finally
            {
                runningHandlers--;
            }
        });
    }

    private void CheckClose()
    {
        if (IsClosed || mainTask is null)
        {
            return;
        }

        if (handlerFailure is not null && !mainTask.IsCompleted)
        {
            CloseFailed(handlerFailure);
            return;
        }

        if (!mainTask.IsCompleted)
        {
            return;
        }

        if (mainTask.IsCompletedSuccessfully)
        {
            object? result = Definition.ResultType is null || runTask is null ? null : runTask.GetType().GetProperty("Result")!.GetValue(runTask);
            var json = PayloadConverter.Serialize(result);
            AddCommand(id => new WorkflowCommand(new HistoryEvent { EventId = id, Timestamp = Now, EventType = EventType.WorkflowExecutionCompleted, Payload = json })
            {
                Close = new RunClose { Status = WorkflowExecutionStatus.Completed, ResultJson = json },
            });
            IsClosed = true;
            return;
        }

        var error = mainTask.IsCanceled ? new OperationCanceledException("the workflow was canceled") : FailureConverter.Unwrap(mainTask.Exception!);
        switch (error)
        {
            case ContinueAsNewException can:
                CloseContinueAsNew(can);
                break;
            case var e when cancelSource.IsCancellationRequested && IsCanceledException(e):
                AddCommand(_ => new WorkflowCommand(new HistoryEvent { EventType = EventType.WorkflowExecutionCanceled, Failure = FailureConverter.ToFailure(error) })
                {
                    Close = new RunClose { Status = WorkflowExecutionStatus.Canceled, Failure = FailureConverter.ToFailure(error) },
                });
                IsClosed = true;
                break;
            case FailureException or OperationCanceledException:
                CloseFailed(error);
                break;
            default:
                // Not a failure exception: fail the workflow task (retried until the code is fixed), not the workflow.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
                break;
        }
    }

    /// <summary>Temporal's rule: a cancellation, or an activity or child failure caused by one, means "canceled".</summary>
    private static bool IsCanceledException(Exception e) => e is OperationCanceledException or CanceledFailureException
        || (e is ActivityFailureException or ChildWorkflowFailureException && e.InnerException is CanceledFailureException);

    private void CloseFailed(Exception error)
    {
        var failure = FailureConverter.ToFailure(error);
        AddCommand(_ => new WorkflowCommand(new HistoryEvent { EventType = EventType.WorkflowExecutionFailed, Failure = failure })
        {
            Close = new RunClose { Status = WorkflowExecutionStatus.Failed, Failure = failure },
        });
        IsClosed = true;
    }

    private void CloseContinueAsNew(ContinueAsNewException can)
    {
        var nextRunId = NewRunId();
        var queueName = can.TaskQueue ?? Info.TaskQueue;
        var seed = (long)Random.Next() << 31 | (uint)Random.Next();
        AddCommand(_ => new WorkflowCommand(new HistoryEvent
        {
            EventType = EventType.WorkflowExecutionContinuedAsNew, Name = can.WorkflowType, Payload = can.ArgsJson, TaskQueue = queueName, RunId = nextRunId,
        })
        {
            Close = new RunClose
            {
                Status = WorkflowExecutionStatus.ContinuedAsNew,
                NextRun = new StartWorkflowRequest
                {
                    WorkflowId = Info.WorkflowId, RunId = nextRunId, WorkflowType = can.WorkflowType, TaskQueue = queueName, ArgsJson = can.ArgsJson,
                    RandomSeed = seed, ContinuedRunId = Info.RunId, Identity = "continue-as-new",
                },
            },
        });
        IsClosed = true;
    }

    /// <summary>
    /// A run id for a run this workflow starts (a child, or the next run on continue-as-new): a UUID version 7 whose
    /// timestamp is the workflow's time, so the new run's rows sort next to other recent runs' (as the client's run ids
    /// do, see <see cref="Client.DurableClient.NewRunId"/>), and whose other bits come from the workflow's random source:
    /// the same sixteen draws as <see cref="NewGuid"/>, so replay makes the same id, and the random sequence after it is
    /// the one earlier builds saw.
    /// </summary>
    private string NewRunId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        var ms = Now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>
    /// The run id a replayed command recorded, else <paramref name="made"/>: a history written before run ids were
    /// time-ordered holds a random one, and the run it names is the one that exists.
    /// </summary>
    private string RecordedRunId(string made) => replayedCommand?.RunId ?? made;

    public Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private sealed record Condition(Func<bool> Predicate, TaskCompletionSource<bool> Completion);
}
