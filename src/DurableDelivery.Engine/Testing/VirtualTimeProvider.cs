namespace DurableDelivery.Engine.Testing;

/// <summary>A clock that only moves when told to; its timers fire as it passes their due time.</summary>
public sealed class VirtualTimeProvider : TimeProvider
{
    private readonly object gate = new();
    private readonly List<VirtualTimer> timers = [];
    private DateTimeOffset now;

    /// <summary>Initializes a new instance of the <see cref="VirtualTimeProvider"/> class.</summary>
    /// <param name="start">The starting time.</param>
    public VirtualTimeProvider(DateTimeOffset start) => now = start;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    /// <summary>Moves the clock forward to <paramref name="time"/> (never backward) and fires due timers.</summary>
    /// <param name="time">The new time.</param>
    public void AdvanceTo(DateTimeOffset time)
    {
        List<VirtualTimer> due;
        lock (gate)
        {
            if (time <= now)
            {
                return;
            }

            now = time;
            due = timers.Where(t => t.Due <= now).ToList();
            foreach (var t in due)
            {
                timers.Remove(t);
            }
        }

        foreach (var t in due)
        {
            t.Fire();
        }
    }

    /// <summary>Moves the clock forward by <paramref name="delta"/>.</summary>
    /// <param name="delta">How far.</param>
    public void Advance(TimeSpan delta) => AdvanceTo(GetUtcNow() + delta);

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new VirtualTimer(this, callback, state);
        t.Change(dueTime, period);
        return t;
    }

    private void Schedule(VirtualTimer t, DateTimeOffset? due)
    {
        var fireNow = false;
        lock (gate)
        {
            timers.Remove(t);
            if (due is { } d)
            {
                if (d <= now)
                {
                    fireNow = true;
                }
                else
                {
                    t.Due = d;
                    timers.Add(t);
                }
            }
        }

        if (fireNow)
        {
            ThreadPool.QueueUserWorkItem(_ => t.Fire());
        }
    }

    private sealed class VirtualTimer(VirtualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset Due { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            this.period = period;
            owner.Schedule(this, dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime);
            return true;
        }

        public void Fire()
        {
            callback(state);
            if (period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            {
                owner.Schedule(this, owner.GetUtcNow() + period);
            }
        }

        public void Dispose() => owner.Schedule(this, null);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
