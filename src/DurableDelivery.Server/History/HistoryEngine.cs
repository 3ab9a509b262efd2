using System.Text.Json;
using DurableDelivery.Server.Matching;
using DurableDelivery.Server.Persistence;
using DurableDelivery.Server.Time;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using TaskQueueProto = Temporalio.Api.TaskQueue.V1.TaskQueue;

namespace DurableDelivery.Server.History;

/// <summary>
/// The history service: every run's mutable state and history, changed one operation at a time under one lock, each
/// operation's writes committed (group commit) before its caller is answered and before its tasks reach matching.
/// </summary>
/// <remarks>
/// A single lock is enough for a single-node server on a few cores: an operation holds it for microseconds (no I/O
/// happens under it), and the SQLite writer, not the lock, bounds throughput.
/// </remarks>
internal sealed partial class HistoryEngine : IAsyncDisposable
{
    private readonly object gate = new();
    private readonly Dictionary<string, Run> runs = [];
    private readonly Dictionary<(string Ns, string WorkflowId), string> current = [];
    private readonly HashSet<string> busyRuns = [];
    private readonly Dictionary<string, Run> closedRuns = [];
    private readonly Queue<string> closedOrder = new();
    private const int ClosedRunCacheSize = 4096;
    private readonly SqliteStore store;
    private readonly TaskQueueManager matching;
    private readonly TimerQueue timers;
    private readonly ILogger logger;
    private readonly ServerLimits limits;
    private long taskIdCounter;
    private int sequence;

    /// <summary>Creates the engine on a store and recovers every open run from it.</summary>
    public HistoryEngine(
        SqliteStore store, ServerClock clock, TaskQueueManager matching, ServerLimits limits, ILogger logger)
    {
        this.store = store;
        Clock = clock;
        this.matching = matching;
        this.limits = limits;
        this.logger = logger;
        timers = new TimerQueue(clock, FireTimerAsync, IfIdle, logger);
        Namespaces = new NamespaceRegistry();
    }

    /// <summary>The server clock.</summary>
    public ServerClock Clock { get; }

    /// <summary>Namespaces and their search attributes.</summary>
    public NamespaceRegistry Namespaces { get; }

    /// <summary>The store (visibility reads).</summary>
    public SqliteStore Store => store;

    /// <summary>Matching (for polls).</summary>
    public TaskQueueManager Matching => matching;

    /// <summary>Limits.</summary>
    public ServerLimits Limits => limits;

    private long Now => Nanos.From(Clock.Now);

    /// <summary>Loads namespaces and open runs and re-creates their tasks and timers, then starts the timer loop.
    /// </summary>
    public void Recover(IEnumerable<string> namespacesToEnsure)
    {
        var data = store.Recover();
        var m = new Mutation();
        lock (gate)
        {
            foreach (var (name, id, bytes) in data.Namespaces)
            {
                Namespaces.Load(name, id, bytes);
            }

            foreach (var (ns, name, kind) in data.SearchAttributes)
            {
                Namespaces.LoadSearchAttribute(ns, name, kind);
            }

            foreach (var ns in namespacesToEnsure.Prepend("default"))
            {
                if (Namespaces.Find(ns) is null)
                {
                    var entry = Namespaces.Register(ns, TimeSpan.FromDays(1), "");
                    m.Batch.Namespaces.Add((entry.Name, entry.Id, entry.ToBytes()));
                }
            }

            foreach (var (ns, workflowId, runId) in data.CurrentRuns)
            {
                current[(ns, workflowId)] = runId;
            }

            foreach (var (runId, stateBytes) in data.OpenRuns)
            {
                var state = JsonSerializer.Deserialize(stateBytes, RunStateJson.Default.RunState)!;
                var events = store.ReadEvents(runId, 1, long.MaxValue, int.MaxValue)
                    .Select(HistoryEvent.Parser.ParseFrom).ToList();
                var run = new Run(state, events);
                runs[runId] = run;
                taskIdCounter = Math.Max(taskIdCounter, events.Count == 0 ? 0 : events[^1].TaskId);
                RestoreRun(m, run);
            }
        }

        // What recovery changed (a dropped speculative task, buffered events written, a new task scheduled) is
        // committed like any operation before anything is served: otherwise history would keep a gap where those
        // events were.
        Flush(m).GetAwaiter().GetResult();
        Apply(m);

        timers.Start();
        logger.LogInformation("Recovered {Runs} open runs", data.OpenRuns.Count);
    }

    /// <summary>Re-creates the in-memory side of a recovered run: queued tasks and timers.</summary>
    private void RestoreRun(Mutation m, Run run)
    {
        var s = run.S;
        if (s.Wft is { } wft)
        {
            if (wft.Speculative)
            {
                // Speculative tasks live in memory only, as in Temporal; the update's caller retries.
                s.Wft = null;
                if (s.Buffered.Count > 0)
                {
                    FlushBuffer(m, run);
                }

                ScheduleWorkflowTaskIfNeeded(m, run);
            }
            else if (wft.StartedEventId > 0)
            {
                AddTimer(run, TimerKind.WorkflowTaskStartToClose, wft.Sequence, wft.Attempt, null,
                    wft.StartedTime + (wft.TimeoutMs * 1_000_000));
            }
            else
            {
                DispatchWorkflowTask(m, run, wft);
            }
        }

        foreach (var timer in s.Timers.Values)
        {
            AddTimer(run, TimerKind.UserTimer, timer.StartedEventId, 0, timer.TimerId, timer.FireTime);
        }

        foreach (var activity in s.Activities.Values)
        {
            ArmActivity(m, run, activity, recovering: true);
        }

        if (s.RunExpiry is { } runExpiry)
        {
            AddTimer(run, TimerKind.RunTimeout, 0, 0, null, runExpiry);
        }

        if (s.ExecutionExpiry is { } executionExpiry)
        {
            AddTimer(run, TimerKind.ExecutionTimeout, 0, 0, null, executionExpiry);
        }

        if (s.FirstTaskBackoffUntil is { } backoff && s.Wft is null && s.CompletedWorkflowTasks == 0)
        {
            AddTimer(run, TimerKind.FirstTaskBackoff, 0, 0, null, backoff);
        }

        UpdateBusy(run);
    }

    /// <summary>Runs <paramref name="body"/> under the lock, commits its writes, then applies what follows.</summary>
    private async Task<T> MutateAsync<T>(Func<Mutation, T> body)
    {
        var m = new Mutation();
        T result;
        Task commit;
        lock (gate)
        {
            result = body(m);
            commit = Flush(m);
        }

        await commit.ConfigureAwait(false);
        Apply(m);
        return result;
    }

    private Task MutateAsync(Action<Mutation> body) => MutateAsync<bool>(m =>
    {
        body(m);
        return true;
    });

    private Task Flush(Mutation m)
    {
        foreach (var (run, ev) in m.NewEvents)
        {
            m.Batch.Events.Add((run.S.RunId, ev.EventId, ev.ToByteArray()));
        }

        foreach (var run in m.Touched)
        {
            UpdateBusy(run);
            m.EventCounts[run] = run.Events.Count;
            m.Batch.Executions.Add(ToRow(run));
        }

        return store.CommitAsync(m.Batch);
    }

    private void Apply(Mutation m)
    {
        foreach (var run in m.Touched)
        {
            lock (gate)
            {
                run.CommittedEvents = Math.Max(run.CommittedEvents, m.EventCounts.GetValueOrDefault(run));
            }

            var changed = run.Changed;
            run.Changed = Run.NewSignal();
            changed.TrySetResult();
        }

        foreach (var action in m.AfterCommit)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "After-commit action failed");
            }
        }

        if (Clock.TimeSkipping)
        {
            timers.Wake();
        }
    }

    private ExecutionRow ToRow(Run run)
    {
        var s = run.S;
        return new ExecutionRow(
            s.Namespace, s.WorkflowId, s.RunId, s.WorkflowType, s.TaskQueue, s.Status, s.StartTime, s.ExecutionTime,
            s.CloseTime, s.NextEventId - 1, s.HistorySize, s.ParentWorkflowId, s.ParentRunId, s.RootWorkflowId,
            s.RootRunId, SearchAttributeJson.ToJson(s.SearchAttributes),
            JsonSerializer.SerializeToUtf8Bytes(s, RunStateJson.Default.RunState));
    }

    /// <summary>
    /// Adds a due time that lets skipping reach it (TestService sleeps); <paramref name="onDue"/>, if given, runs on
    /// the timer loop when it is reached, before time can skip any further.
    /// </summary>
    public void AddSleepMarker(DateTimeOffset due, Action? onDue = null) =>
        timers.Add(new TimerEntry("", TimerKind.UserTimer, 0, 0, null, Nanos.From(due)) { OnDue = onDue });

    /// <summary>
    /// Runs <paramref name="action"/> (time skipping) if nothing is outstanding (no workflow or activity task, no
    /// query anywhere), under the engine's lock so that nothing becomes outstanding meanwhile.
    /// </summary>
    private bool IfIdle(Func<bool> action)
    {
        lock (gate)
        {
            return busyRuns.Count == 0 && action();
        }
    }

    private void UpdateBusy(Run run)
    {
        var s = run.S;
        var busy = run.IsOpen && (s.Wft is not null || s.Activities.Values.Any(a => a.RetryAt is null)
            || run.WaitingQueries.Count > 0);
        if (busy)
        {
            busyRuns.Add(s.RunId);
        }
        else
        {
            busyRuns.Remove(s.RunId);
        }
    }

    private void AddTimer(Run run, TimerKind kind, long id, int attempt, string? name, long due) =>
        timers.Add(new TimerEntry(run.S.RunId, kind, id, attempt, name, due));

    // ---- events ----

    /// <summary>Appends an event to history now (command events, or anything while no workflow task is started).
    /// </summary>
    private HistoryEvent AddEvent(Mutation m, Run run, EventType type, Action<HistoryEvent> fill)
    {
        var ev = new HistoryEvent { EventType = type };
        fill(ev);
        AppendEvent(m, run, ev);
        return ev;
    }

    private void AppendEvent(Mutation m, Run run, HistoryEvent ev)
    {
        var s = run.S;
        ev.EventId = s.NextEventId++;
        ev.EventTime ??= Nanos.ToTimestamp(Now);
        ev.TaskId = ++taskIdCounter;
        ev.Version = 0;
        s.HistorySize += ev.CalculateSize();
        run.Events.Add(ev);
        m.NewEvents.Add((run, ev));
        m.Touch(run);
    }

    /// <summary>
    /// Adds an event from outside the workflow (signal, activity result, timer, child result...): buffered while a
    /// workflow task is started, else written at once; either way a workflow task will see it.
    /// </summary>
    /// <param name="m">The operation.</param>
    /// <param name="run">The run.</param>
    /// <param name="type">The event type.</param>
    /// <param name="fill">Sets the event's attributes.</param>
    /// <param name="scheduleTask">False for an event that another follows at once in the same operation (an
    /// activity's Started before its outcome): the workflow task is scheduled after the last one, as Temporal orders
    /// them.</param>
    private void AddExternalEvent(
        Mutation m, Run run, EventType type, Action<HistoryEvent> fill, bool scheduleTask = true)
    {
        var ev = new HistoryEvent { EventType = type, EventTime = Nanos.ToTimestamp(Now) };
        fill(ev);
        m.Touch(run);
        if (run.WftStarted)
        {
            run.S.Buffered.Add(ev.ToByteArray());
            return;
        }

        if (run.S.Wft is { Transient: true })
        {
            // New events turn a transient (retrying or speculative) task back into a normal one.
            run.S.Wft = null;
            AppendEvent(m, run, ev);
            if (scheduleTask)
            {
                ScheduleWorkflowTask(m, run, attempt: 1, transient: false, speculative: false);
            }

            return;
        }

        AppendEvent(m, run, ev);
        if (scheduleTask)
        {
            ScheduleWorkflowTaskIfNeeded(m, run);
        }
    }

    /// <summary>Writes buffered events after a workflow task (results last, as Temporal reorders them).</summary>
    private bool FlushBuffer(Mutation m, Run run)
    {
        var s = run.S;
        if (s.Buffered.Count == 0)
        {
            return false;
        }

        var events = s.Buffered.Select(HistoryEvent.Parser.ParseFrom).ToList();
        s.Buffered.Clear();
        var ordered = events.Where(e => !IsResultEvent(e.EventType))
            .Concat(events.Where(e => IsResultEvent(e.EventType)));
        var activityStarted = new Dictionary<long, long>();
        foreach (var ev in ordered)
        {
            FixBufferedIds(run, ev, activityStarted);
            AppendEvent(m, run, ev);
            if (ev.EventType == EventType.ActivityTaskStarted)
            {
                activityStarted[ev.ActivityTaskStartedEventAttributes.ScheduledEventId] = ev.EventId;
            }
            else if (ev.EventType == EventType.ChildWorkflowExecutionStarted)
            {
                var initiated = ev.ChildWorkflowExecutionStartedEventAttributes.InitiatedEventId;
                if (s.Children.TryGetValue(initiated, out var child))
                {
                    child.StartedEventId = ev.EventId;
                }
            }
        }

        return true;
    }

    private static void FixBufferedIds(Run run, HistoryEvent ev, Dictionary<long, long> activityStarted)
    {
        long Started(long scheduled) => activityStarted.TryGetValue(scheduled, out var id) ? id : 0;
        long ChildStarted(long initiated) =>
            run.S.Children.TryGetValue(initiated, out var c) ? c.StartedEventId : 0;
        switch (ev.EventType)
        {
            case EventType.ActivityTaskCompleted when ev.ActivityTaskCompletedEventAttributes.StartedEventId < 0:
                ev.ActivityTaskCompletedEventAttributes.StartedEventId =
                    Started(ev.ActivityTaskCompletedEventAttributes.ScheduledEventId);
                break;
            case EventType.ActivityTaskFailed when ev.ActivityTaskFailedEventAttributes.StartedEventId < 0:
                ev.ActivityTaskFailedEventAttributes.StartedEventId =
                    Started(ev.ActivityTaskFailedEventAttributes.ScheduledEventId);
                break;
            case EventType.ActivityTaskTimedOut when ev.ActivityTaskTimedOutEventAttributes.StartedEventId < 0:
                ev.ActivityTaskTimedOutEventAttributes.StartedEventId =
                    Started(ev.ActivityTaskTimedOutEventAttributes.ScheduledEventId);
                break;
            case EventType.ActivityTaskCanceled when ev.ActivityTaskCanceledEventAttributes.StartedEventId < 0:
                ev.ActivityTaskCanceledEventAttributes.StartedEventId =
                    Started(ev.ActivityTaskCanceledEventAttributes.ScheduledEventId);
                break;
            case EventType.ChildWorkflowExecutionCompleted:
                ev.ChildWorkflowExecutionCompletedEventAttributes.StartedEventId =
                    ChildStarted(ev.ChildWorkflowExecutionCompletedEventAttributes.InitiatedEventId);
                break;
            case EventType.ChildWorkflowExecutionFailed:
                ev.ChildWorkflowExecutionFailedEventAttributes.StartedEventId =
                    ChildStarted(ev.ChildWorkflowExecutionFailedEventAttributes.InitiatedEventId);
                break;
            case EventType.ChildWorkflowExecutionCanceled:
                ev.ChildWorkflowExecutionCanceledEventAttributes.StartedEventId =
                    ChildStarted(ev.ChildWorkflowExecutionCanceledEventAttributes.InitiatedEventId);
                break;
            case EventType.ChildWorkflowExecutionTerminated:
                ev.ChildWorkflowExecutionTerminatedEventAttributes.StartedEventId =
                    ChildStarted(ev.ChildWorkflowExecutionTerminatedEventAttributes.InitiatedEventId);
                break;
            case EventType.ChildWorkflowExecutionTimedOut:
                ev.ChildWorkflowExecutionTimedOutEventAttributes.StartedEventId =
                    ChildStarted(ev.ChildWorkflowExecutionTimedOutEventAttributes.InitiatedEventId);
                break;
        }
    }

    private static bool IsResultEvent(EventType type) => type is EventType.ActivityTaskCompleted
        or EventType.ActivityTaskFailed or EventType.ActivityTaskTimedOut or EventType.ActivityTaskCanceled
        or EventType.ChildWorkflowExecutionCompleted or EventType.ChildWorkflowExecutionFailed
        or EventType.ChildWorkflowExecutionCanceled or EventType.ChildWorkflowExecutionTimedOut
        or EventType.ChildWorkflowExecutionTerminated;

    // ---- workflow task scheduling ----

    /// <summary>
    /// Schedules a workflow task unless one is pending, the run is closed or its first task is held back (a start
    /// delay, or the backoff of a retry, cron or continue-as-new run): as in Temporal, events such as signals that
    /// arrive meanwhile wait for the first task (IsWorkflowPendingOnWorkflowTaskBackoff).
    /// </summary>
    private void ScheduleWorkflowTaskIfNeeded(Mutation m, Run run)
    {
        if (run.IsOpen && run.S.Wft is null && run.S.FirstTaskBackoffUntil is null)
        {
            ScheduleWorkflowTask(m, run, attempt: 1, transient: false, speculative: false);
        }
    }

    /// <summary>
    /// Ends a first-task backoff early and schedules the task (a cancel request or another signal-with-start does, in
    /// Temporal; a plain signal does not).
    /// </summary>
    private void EndFirstTaskBackoff(Mutation m, Run run)
    {
        if (run.S.FirstTaskBackoffUntil is not null)
        {
            run.S.FirstTaskBackoffUntil = null;
            m.Touch(run);
            ScheduleWorkflowTaskIfNeeded(m, run);
        }
    }

    private void ScheduleWorkflowTask(Mutation m, Run run, int attempt, bool transient, bool speculative)
    {
        var s = run.S;
        var sticky = s.StickyQueue is not null
            && matching.HasRecentPoller(new QueueKey(s.Namespace, s.StickyQueue, false), limits.StickyPollerWindow);
        if (s.StickyQueue is not null && !sticky)
        {
            s.StickyQueue = null;
        }

        // Once a workflow task exists, the run is no longer held back by a first-task backoff.
        s.FirstTaskBackoffUntil = null;
        var wft = new WftState
        {
            Attempt = attempt,
            Transient = transient || speculative,
            Speculative = speculative,
            Sticky = sticky,
            TaskQueue = sticky ? s.StickyQueue! : s.TaskQueue,
            ScheduledTime = Now,
            TimeoutMs = s.TaskTimeoutMs,
            Sequence = ++sequence,
        };
        if (wft.Transient)
        {
            wft.ScheduledEventId = s.NextEventId;
        }
        else
        {
            var ev = AddEvent(m, run, EventType.WorkflowTaskScheduled, e =>
                e.WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
                {
                    TaskQueue = WftQueueProto(s, wft),
                    StartToCloseTimeout = Nanos.ToDuration(wft.TimeoutMs),
                    Attempt = attempt,
                });
            wft.ScheduledEventId = ev.EventId;
        }

        s.Wft = wft;
        m.Touch(run);
        if (sticky)
        {
            AddTimer(run, TimerKind.WorkflowTaskScheduleToStart, wft.Sequence, attempt, null,
                Now + (Math.Max(s.StickyScheduleToStartMs, 1) * 1_000_000));
        }

        DispatchWorkflowTask(m, run, wft);
    }

    private void DispatchWorkflowTask(Mutation m, Run run, WftState wft)
    {
        var key = new QueueKey(run.S.Namespace, wft.TaskQueue, false);
        var task = new WorkflowTaskRef(run.S.RunId, wft.Sequence);
        m.Then(() => matching.Offer(key, task));
    }

    private static TaskQueueProto WftQueueProto(RunState s, WftState wft) => wft.Sticky
        ? new TaskQueueProto { Name = wft.TaskQueue, Kind = TaskQueueKind.Sticky, NormalName = s.TaskQueue }
        : new TaskQueueProto { Name = s.TaskQueue, Kind = TaskQueueKind.Normal };

    private static WorkflowExecution ExecutionOf(RunState s) => new() { WorkflowId = s.WorkflowId, RunId = s.RunId };

    /// <summary>Finds a run (current when <paramref name="runId"/> is empty), loading a closed one from the store.
    /// </summary>
    private Run? FindRun(string ns, string workflowId, string? runId)
    {
        if (string.IsNullOrEmpty(runId))
        {
            if (!current.TryGetValue((ns, workflowId), out var currentRunId))
            {
                return null;
            }

            runId = currentRunId;
        }

        if (runs.TryGetValue(runId, out var run))
        {
            return run.S.Namespace == ns && run.S.WorkflowId == workflowId ? run : null;
        }

        var loaded = LoadClosedRun(runId);
        return loaded is not null && loaded.S.Namespace == ns && loaded.S.WorkflowId == workflowId ? loaded : null;
    }

    private Run? FindRunById(string runId) =>
        runs.TryGetValue(runId, out var run) ? run : LoadClosedRun(runId);

    /// <summary>Keeps a closed run's last state in memory for a while (result long polls, queries, describes).
    /// </summary>
    private void CacheClosedRun(Run run)
    {
        if (closedRuns.TryAdd(run.S.RunId, run))
        {
            closedOrder.Enqueue(run.S.RunId);
            while (closedOrder.Count > ClosedRunCacheSize && closedOrder.TryDequeue(out var old))
            {
                closedRuns.Remove(old);
            }
        }
    }

    /// <summary>Reads a closed run from the cache of recently closed runs, else from the store.</summary>
    private Run? LoadClosedRun(string runId)
    {
        if (closedRuns.TryGetValue(runId, out var cached))
        {
            return cached;
        }

        var row = store.ReadExecution(runId);
        if (row is null)
        {
            return null;
        }

        var state = JsonSerializer.Deserialize(row.Value.State, RunStateJson.Default.RunState)!;
        var events = store.ReadEvents(runId, 1, long.MaxValue, int.MaxValue).Select(HistoryEvent.Parser.ParseFrom)
            .ToList();
        var loaded = new Run(state, events);
        if (!loaded.IsOpen)
        {
            CacheClosedRun(loaded);
        }

        return loaded;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await timers.DisposeAsync().ConfigureAwait(false);
    }
}
