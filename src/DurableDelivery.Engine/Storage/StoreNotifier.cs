using System.Collections.Concurrent;

namespace DurableDelivery.Engine.Storage;

/// <summary>
/// Wake-ups keyed by string. A waiter calls <see cref="Watch"/> <em>before</em> checking the store, then awaits the
/// returned task, so that a pulse between the check and the wait is never lost. A commit's keys are also sent to the other
/// processes on the store through a <see cref="CrossProcessWake"/> when one is bound (<see cref="ConnectRemote"/>); waiters poll
/// as well, so a wake-up that does not arrive costs latency, never correctness.
/// </summary>
internal sealed class StoreNotifier
{
    /// <summary>Key pulsed whenever work becomes due for workers (ready workflow, new activity, query).</summary>
    public const string WorkKey = "work";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiters = new(StringComparer.Ordinal);

    public static string RunKey(string runId) => "run:" + runId;

    public static string UpdateKey(string updateId) => "update:" + updateId;

    public static string QueryKey(long queryId) => "query:" + queryId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private Task<CrossProcessWake?>? remote;

    /// <summary>
    /// Binds the cross-process wake-up in the background (it costs a fresh process some milliseconds of socket set-up that
    /// overlap the rest of opening the store); the first commit that has something to send waits for it.
    /// </summary>
    public void ConnectRemote(Func<CrossProcessWake?> create) => remote = Task.Run(create);

    /// <summary>Unbinds the cross-process wake-up (after the last commit).</summary>
    public async Task DisconnectRemoteAsync()
    {
        if (remote is { } r)
        {
            remote = null;
            (await r.ConfigureAwait(false))?.Dispose();
        }
    }

    public Task Watch(string key) =>
        waiters.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Pulse(string key)
    {
        if (waiters.TryRemove(key, out var tcs))
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>Pulses every key waited on (a wake-up that did not say which keys).</summary>
    public void PulseEverything()
    {
        foreach (var key in waiters.Keys)
        {
            Pulse(key);
        }
    }

    /// <summary>Pulses what a commit made happen, here and in the other processes on the store.</summary>
    public void PulseCommitted(IReadOnlyCollection<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        foreach (var key in keys)
        {
            Pulse(key);
        }

        remote?.GetAwaiter().GetResult()?.Send(keys);
    }

    /// <summary>Waits for a watched pulse, at most the backoff's current interval, which grows when the wait times out and starts over on a pulse. Returns false on timeout.</summary>
    public static async Task<bool> WaitAsync(Task watch, PollBackoff backoff, CancellationToken ct, TimeSpan? atMost = null)
    {
        var interval = backoff.Current;
        var pulsed = await WaitAsync(watch, atMost is { } cap && cap < interval ? cap : interval, ct).ConfigureAwait(false);
        backoff.Waited(pulsed);
        return pulsed;
    }

    /// <summary>Waits for a watched pulse, at most <paramref name="max"/>. Returns false on timeout.</summary>
    public static async Task<bool> WaitAsync(Task watch, TimeSpan max, CancellationToken ct)
    {
        if (watch.IsCompleted)
        {
            return true;
        }

        try
        {
            await watch.WaitAsync(max, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}

/// <summary>
/// The re-check interval of one wait: <c>initial</c> at first, doubled after each re-check that ended without a wake-up,
/// at most <c>max</c>; back to <c>initial</c> after a wake-up. Wake-ups are what end waits; the re-check only covers a lost one.
/// </summary>
internal sealed class PollBackoff(TimeSpan initial, TimeSpan max)
{
    private readonly TimeSpan first = initial;
    private readonly TimeSpan longest = max > initial ? max : initial;

    /// <summary>Gets the interval the next wait re-checks after.</summary>
    public TimeSpan Current { get; private set; } = initial;

    /// <summary>Records how the last wait ended.</summary>
    public void Waited(bool pulsed) =>
        Current = pulsed ? first : TimeSpan.FromTicks(Math.Min(longest.Ticks, Current.Ticks * 2));
}
