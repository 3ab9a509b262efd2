using System.Collections.Concurrent;
using System.Diagnostics;

namespace DurableDelivery.Bench;

/// <summary>
/// Figure 3: the time from one activity's completion (the moment its code returns) to the start of the next activity of
/// the same workflow, taken with <see cref="Stopwatch.GetTimestamp"/> inside the activities (one process, one clock).
/// </summary>
internal static class StepClock
{
    private static readonly ConcurrentDictionary<string, long> LastCompleted = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<long> Samples = new();

    public static void Reset()
    {
        LastCompleted.Clear();
        Samples.Clear();
    }

    public static void Started(string workflowId, int step)
    {
        var now = Stopwatch.GetTimestamp();
        if (step > 1 && LastCompleted.TryRemove(workflowId, out var completed))
        {
            Samples.Enqueue(now - completed);
        }
    }

    public static void Completed(string workflowId) => LastCompleted[workflowId] = Stopwatch.GetTimestamp();

    /// <summary>Takes the samples gathered since the last reset, in milliseconds.</summary>
    public static double[] TakeMilliseconds()
    {
        var result = Samples.Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        Reset();
        return result;
    }
}
