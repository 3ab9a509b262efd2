using Microsoft.Extensions.Logging;

namespace DurableDelivery.Server.Time;

/// <summary>What a timer is for.</summary>
internal enum TimerKind
{
    /// <summary>A workflow's timer (Name = timer id).</summary>
    UserTimer,
    /// <summary>Activity schedule-to-start (Id = scheduled event id).</summary>
    ActivityScheduleToStart,
    /// <summary>Activity start-to-close.</summary>
    ActivityStartToClose,
    /// <summary>Activity schedule-to-close.</summary>
    ActivityScheduleToClose,
    /// <summary>Activity heartbeat.</summary>
    ActivityHeartbeat,
    /// <summary>Activity retry backoff over.</summary>
    ActivityRetry,
    /// <summary>Workflow task start-to-close.</summary>
    WorkflowTaskStartToClose,
    /// <summary>Workflow task schedule-to-start on a sticky queue.</summary>
    WorkflowTaskScheduleToStart,
    /// <summary>Run timeout.</summary>
    RunTimeout,
    /// <summary>Execution timeout.</summary>
    ExecutionTimeout,
    /// <summary>First workflow task backoff over (start delay, continue-as-new backoff, retry, cron).</summary>
    FirstTaskBackoff,
}

/// <summary>One due time. Stale entries are harmless: the engine checks each against the run's state when it fires.
/// </summary>
internal sealed record TimerEntry(string RunId, TimerKind Kind, long Id, int Attempt, string? Name, long Due)
{
    /// <summary>
    /// Run by the timer loop itself when the entry is due, instead of firing it to the engine, and before the loop
    /// looks at the next entry or skips time again (so a sleep can re-lock skipping exactly at its end).
    /// </summary>
    public Action? OnDue { get; init; }
}

/// <summary>
/// The durable timer queue's in-memory side: every due time of every open run (rebuilt from mutable state at start-up),
/// fired in order by one loop. With time skipping the loop moves the clock to the next due time whenever the engine
/// says nothing is outstanding.
/// </summary>
internal sealed class TimerQueue : IAsyncDisposable
{
    private readonly object gate = new();
    private readonly PriorityQueue<TimerEntry, long> entries = new();
    private readonly ServerClock clock;
    private readonly Func<TimerEntry, Task> fire;
    private readonly Func<Func<bool>, bool> ifIdle;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stop = new();
    private readonly ITimer dueTimer;
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? loop;

    /// <summary>Creates the queue; <see cref="Start"/> starts firing.</summary>
    /// <param name="clock">The server clock.</param>
    /// <param name="fire">Fires a due entry.</param>
    /// <param name="ifIdle">Runs the given function if nothing is outstanding (no workflow or activity task),
    /// atomically with respect to whatever could make something outstanding, and returns its result; false when
    /// something is outstanding.</param>
    /// <param name="logger">The logger.</param>
    public TimerQueue(ServerClock clock, Func<TimerEntry, Task> fire, Func<Func<bool>, bool> ifIdle, ILogger logger)
    {
        this.clock = clock;
        this.fire = fire;
        this.ifIdle = ifIdle;
        this.logger = logger;
        dueTimer = TimeProvider.System.CreateTimer(
            static q => ((TimerQueue)q!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.Changed += Wake;
    }

    /// <summary>Starts the loop.</summary>
    public void Start() => loop = Task.Run(RunAsync);

    /// <summary>Adds a due time.</summary>
    public void Add(TimerEntry entry)
    {
        bool earliest;
        lock (gate)
        {
            earliest = !entries.TryPeek(out _, out var first) || entry.Due < first;
            entries.Enqueue(entry, entry.Due);
        }

        if (earliest)
        {
            Wake();
        }
    }

    /// <summary>Wakes the loop to re-check (the engine became idle, the clock changed).</summary>
    public void Wake() => wake.TrySetResult();

    /// <summary>The earliest due time, if any (Unix nanoseconds).</summary>
    public long? NextDue
    {
        get
        {
            lock (gate)
            {
                return entries.TryPeek(out _, out var due) ? due : null;
            }
        }
    }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var signal = wake;
            TimerEntry? due = null;
            long? next = null;
            lock (gate)
            {
                if (entries.TryPeek(out var entry, out var at))
                {
                    if (at <= Nanos.From(clock.Now))
                    {
                        due = entries.Dequeue();
                    }
                    else
                    {
                        next = at;
                    }
                }
            }

            if (due is not null)
            {
                try
                {
                    if (due.OnDue is { } onDue)
                    {
                        onDue();
                        continue;
                    }

                    await fire(due).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Timer {Kind} of run {RunId} failed", due.Kind, due.RunId);
                }

                continue;
            }

            if (next is not null && clock.MaySkip && ifIdle(() => TrySkipTo(next.Value)))
            {
                continue;
            }

            var delay = next is null ? Timeout.InfiniteTimeSpan : clock.RealDelayUntil(Nanos.ToTime(next.Value));
            if (delay > TimeSpan.FromMinutes(1))
            {
                delay = TimeSpan.FromMinutes(1);
            }

            // One long-lived timer wakes the loop when the next entry falls due (most entries are stale by then,
            // hundreds a second under load). A wait with a timeout instead made and threw a TimeoutException per wake:
            // 12-14% of the server's CPU.
            dueTimer.Change(delay, Timeout.InfiniteTimeSpan);
            await signal.Task.WaitAsync(stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stop.IsCancellationRequested)
            {
                return;
            }

            if (signal.Task.IsCompleted)
            {
                Interlocked.CompareExchange(
                    ref wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), signal);
            }
        }
    }

    /// <summary>
    /// Skips to <paramref name="next"/> if it is still the earliest entry and skipping is still allowed. Checked under
    /// the queue's lock: an earlier entry added since the loop looked (a sleep's end, added just before its unlock)
    /// must not be skipped over.
    /// </summary>
    private bool TrySkipTo(long next)
    {
        lock (gate)
        {
            if (!entries.TryPeek(out _, out var first) || first != next || !clock.MaySkip)
            {
                return false;
            }

            clock.SkipTo(Nanos.ToTime(next));
            return true;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        clock.Changed -= Wake;
        await stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        dueTimer.Dispose();
        stop.Dispose();
    }
}
