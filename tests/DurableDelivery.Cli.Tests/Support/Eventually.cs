using System.Diagnostics;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps).</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what)
    {
        var watch = Stopwatch.StartNew();
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {deadline.TotalSeconds:0.#} s; last: {last}");
            }

            // A short yield between probes; each probe already takes real time (a process or a store read).
            await Task.Delay(20);
        }
    }
}
