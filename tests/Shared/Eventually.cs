using System.Diagnostics;

namespace DurableDelivery.Tests.Shared;

/// <summary>
/// Polls until a condition holds or a deadline passes: the only way the test suites wait (no fixed sleeps).
/// Compiled into every test project (linked source), so there is one implementation.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(10);

    /// <summary>Probes until <paramref name="done"/> accepts the value; returns it, or throws with the last value seen.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what) =>
        await PollAsync(probe, done, deadline, last => $"{what} did not happen within {deadline.TotalSeconds:0.#} s; last: {last}");

    /// <summary>Waits until the asynchronous condition holds.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan deadline, string what) =>
        PollAsync(condition, ok => ok, deadline, _ => $"Not true within {deadline.TotalSeconds:0.#} s: {what}");

    /// <summary>Waits up to 10 s until the asynchronous condition holds.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition) => EventuallyAsync(condition, TimeSpan.FromSeconds(10), "condition");

    /// <summary>Waits until the condition holds.</summary>
    public static Task EventuallyAsync(Func<bool> condition, TimeSpan deadline, string what) =>
        EventuallyAsync(() => Task.FromResult(condition()), deadline, what);

    /// <summary>Waits until the condition holds; <paramref name="describe"/> reports the state at the deadline.</summary>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan deadline, Func<string> describe) =>
        PollAsync(() => Task.FromResult(condition()), ok => ok, deadline, _ => $"condition not met within {deadline.TotalSeconds:0} s: {describe()}");

    private static async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, Func<T, string> failure)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var last = await probe();
            if (done(last))
            {
                return last;
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException(failure(last));
            }

            await Task.Delay(Pause);
        }
    }
}
