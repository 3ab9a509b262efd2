namespace DurableDelivery.Server.Time;

/// <summary>
/// The server's clock: real time plus an offset that only grows. With time skipping on (the test server's mode), the
/// timer loop moves the offset forward to the next timer whenever nothing is outstanding and nobody holds a lock,
/// as Temporal's test server does.
/// </summary>
internal sealed class ServerClock
{
    /// <summary>The longest single real-time wait; longer waits are taken in steps.</summary>
    private static readonly TimeSpan MaxRealWait = TimeSpan.FromMinutes(1);

    private readonly TimeProvider real;
    private readonly object gate = new();
    private TimeSpan offset;
    private int locks;

    /// <summary>Creates a clock.</summary>
    /// <param name="real">The real time source.</param>
    /// <param name="timeSkipping">Whether time skipping is available at all.</param>
    /// <param name="startLocked">Whether skipping starts locked (the test server started as <c>exe port</c>).</param>
    public ServerClock(TimeProvider real, bool timeSkipping, bool startLocked)
    {
        this.real = real;
        TimeSkipping = timeSkipping;
        locks = startLocked ? 1 : 0;
    }

    /// <summary>Whether time skipping is available on this server.</summary>
    public bool TimeSkipping { get; }

    private TaskCompletionSource changedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Raised when the skip lock count drops to zero or time jumps, so the timer loop re-checks.</summary>
    public event Action? Changed;

    /// <summary>Completes at the next change (time jump, unlock).</summary>
    public Task NextChange
    {
        get
        {
            lock (gate)
            {
                return changedSignal.Task;
            }
        }
    }

    private void RaiseChanged()
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            signal = changedSignal;
            changedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
        Changed?.Invoke();
    }

    /// <summary>Waits until the server clock reaches <paramref name="target"/> (by skipping or by real time).</summary>
    public async Task WaitUntilAsync(DateTimeOffset target, CancellationToken ct)
    {
        while (Now < target)
        {
            var change = NextChange;

            // Task.Delay takes at most about 49 days; the loop re-checks, so a sleep may be as long as one likes.
            var delay = RealDelayUntil(target);
            if (delay > MaxRealWait)
            {
                delay = MaxRealWait;
            }

            await Task.WhenAny(change, Task.Delay(delay, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }


    /// <summary>The server's current time.</summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (gate)
            {
                return real.GetUtcNow() + offset;
            }
        }
    }

    /// <summary>Whether skipping may happen now (time skipping on and no lock held).</summary>
    public bool MaySkip
    {
        get
        {
            lock (gate)
            {
                return TimeSkipping && locks == 0;
            }
        }
    }

    /// <summary>The real time left until the server clock reaches <paramref name="due"/>.</summary>
    public TimeSpan RealDelayUntil(DateTimeOffset due)
    {
        var left = due - Now;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    /// <summary>Moves the clock forward to <paramref name="target"/> (never back).</summary>
    public void SkipTo(DateTimeOffset target)
    {
        lock (gate)
        {
            var now = real.GetUtcNow() + offset;
            if (target > now)
            {
                offset += target - now;
            }
        }

        RaiseChanged();
    }

    /// <summary>Takes a skip lock (TestService.LockTimeSkipping).</summary>
    public void Lock()
    {
        lock (gate)
        {
            locks++;
        }
    }

    /// <summary>Releases a skip lock (TestService.UnlockTimeSkipping).</summary>
    /// <returns>False when no lock was held.</returns>
    public bool Unlock()
    {
        lock (gate)
        {
            if (locks == 0)
            {
                return false;
            }

            locks--;
        }

        RaiseChanged();
        return true;
    }
}
