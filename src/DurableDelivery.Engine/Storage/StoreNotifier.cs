using System.Collections.Concurrent;

namespace DurableDelivery.Engine.Storage;

/// <summary>
/// In-process wake-ups keyed by string. A waiter calls <see cref="Watch"/> <em>before</em> checking the store, then awaits
/// the returned task, so that a pulse between the check and the wait is never lost. Other processes are not notified:
/// they poll.
/// </summary>
internal sealed class StoreNotifier
{
    /// <summary>Key pulsed whenever work becomes due for workers (ready workflow, new activity, query).</summary>
    public const string WorkKey = "work";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiters = new(StringComparer.Ordinal);

    public static string RunKey(string runId) => "run:" + runId;

    public static string UpdateKey(string updateId) => "update:" + updateId;

    public static string QueryKey(long queryId) => "query:" + queryId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Task Watch(string key) =>
        waiters.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Pulse(string key)
    {
        if (waiters.TryRemove(key, out var tcs))
        {
            tcs.TrySetResult();
        }
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
