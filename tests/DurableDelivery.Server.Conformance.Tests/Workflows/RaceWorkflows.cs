using System.Collections.Concurrent;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>
/// Waits for a first signal, then runs a local activity that blocks on the test's gate, then completes with every
/// signal it has. A signal sent while the gate is closed arrives during the workflow task that completes the run.
/// </summary>
[Workflow]
public class LastSignalWorkflow
{
    private readonly List<string> signals = [];

    [WorkflowRun]
    public async Task<List<string>> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => signals.Count > 0);
        await Workflow.ExecuteLocalActivityAsync((GateActivities a) => a.WaitForGateAsync(),
            new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        return signals;
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        signals.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Its first workflow task blocks on the test's gate (a local activity); it counts by update, answers queries, and
/// completes when told.
/// </summary>
[Workflow]
public class GatedCounterWorkflow
{
    private int count;
    private bool finished;

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.ExecuteLocalActivityAsync((GateActivities a) => a.WaitForGateAsync(),
            new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        await Workflow.WaitConditionAsync(() => finished);
        return count;
    }

    [WorkflowUpdate]
    public Task<int> IncrementAsync(int by)
    {
        count += by;
        return Task.FromResult(count);
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public int Count => count;
}

/// <summary>
/// Its workflow task fails (an ordinary exception: a bug, not a workflow failure) the first N times the code runs
/// for a workflow id, then it completes. For testing workflow task retries only.
/// </summary>
[Workflow]
public class BuggyUntilFixedWorkflow
{
    /// <summary>How often the code ran, by workflow id.</summary>
    public static readonly ConcurrentDictionary<string, int> Runs = new();

    [WorkflowRun]
    public Task<string> RunAsync(int failures)
    {
        var run = Runs.AddOrUpdate(Workflow.Info.WorkflowId, 1, (_, n) => n + 1);
        if (run <= failures)
        {
            throw new InvalidOperationException($"bug on run {run}");
        }

        return Task.FromResult($"fixed on run {run}");
    }
}

/// <summary>Schedules an activity nobody will ever poll for, then cancels it before it can start.</summary>
[Workflow]
public class CancelUnstartedActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var source = new CancellationTokenSource();
        var activity = Workflow.ExecuteActivityAsync<string>("NeverPolled", [], new ActivityOptions
        {
            TaskQueue = $"nobody-polls-{Workflow.Info.WorkflowId}",
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            CancellationToken = source.Token,
            CancellationType = ActivityCancellationType.WaitCancellationCompleted,
        });
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        source.Cancel();
        try
        {
            return await activity;
        }
        catch (Temporalio.Exceptions.ActivityFailureException e)
            when (e.InnerException is Temporalio.Exceptions.CanceledFailureException)
        {
            return "cancelled before start";
        }
    }
}

/// <summary>Runs a heartbeating activity until the workflow is cancelled; waits for the activity to stop.</summary>
[Workflow]
public class CancellableActivityWorkflow
{
    [WorkflowRun]
    public Task RunAsync() =>
        Workflow.ExecuteActivityAsync((FlakyActivities a) => a.HeartbeatUntilCancelledAsync(false), new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
            // 3 s, not 1 s: on a loaded machine a heartbeat late by a second timed the activity out after its cancel
            // was requested (no retry then), and the workflow failed with that timeout instead of ending canceled.
            HeartbeatTimeout = TimeSpan.FromSeconds(3),
            CancellationType = ActivityCancellationType.WaitCancellationCompleted,
        });
}

/// <summary>Runs one local activity that sleeps for the given time.</summary>
[Workflow]
public class SlowLocalActivityWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(int sleepMs) =>
        Workflow.ExecuteLocalActivityAsync(() => SlowActivities.SleepAsync(sleepMs),
            new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

/// <summary>Activities that take real time.</summary>
public static class SlowActivities
{
    /// <summary>Sleeps, then says for how long.</summary>
    [Temporalio.Activities.Activity]
    public static async Task<string> SleepAsync(int ms)
    {
        await Task.Delay(ms, Temporalio.Activities.ActivityExecutionContext.Current.CancellationToken);
        return $"slept {ms} ms";
    }
}
