using DurableDelivery.Engine.Activities;

namespace DurableDelivery.Bench;

/// <summary>
/// The benchmark's activities. They do no work of their own, so what is measured is the engine: <see cref="StepAsync"/>
/// stamps its start and end with <see cref="StepClock"/>; <see cref="HoldAsync"/> blocks until canceled in the worker that
/// is about to be killed and returns at once in the worker that resumes.
/// </summary>
public sealed class BenchActivities(bool hold = false, int expectedHolds = 0)
{
    private int holds;

    [Activity]
    public Task<int> StepAsync(int step)
    {
        var workflowId = ActivityExecutionContext.Current.Info.WorkflowId;
        StepClock.Started(workflowId, step);
        StepClock.Completed(workflowId);
        return Task.FromResult(step);
    }

    [Activity]
    public Task<int> PrepareAsync(int n) => Task.FromResult(n);

    [Activity]
    public async Task<int> HoldAsync(int n)
    {
        if (!hold)
        {
            return n;
        }

        if (Interlocked.Increment(ref holds) == expectedHolds)
        {
            // The parent waits for this line, then SIGKILLs this process.
            Console.Out.WriteLine($"holding {expectedHolds}");
            Console.Out.Flush();
        }

        await Task.Delay(Timeout.Infinite, ActivityExecutionContext.Current.CancellationToken).ConfigureAwait(false);
        return n;
    }
}
