using System.Diagnostics;

namespace DurableDelivery.Providers.Local.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes: the only way these tests wait.</summary>
internal static class Eventually
{
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > deadline)
            {
                throw new TimeoutException($"Not true within {deadline.TotalSeconds} s: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, TimeSpan deadline, string what) =>
        EventuallyAsync(() => Task.FromResult(condition()), deadline, what);
}
