using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>Starts a long timer and a short one; cancels the long one when the short one fires.</summary>
[Workflow]
public class CancelTimerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var source = new CancellationTokenSource();
        var longTimer = Workflow.DelayAsync(TimeSpan.FromHours(1), source.Token);
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(50));
        source.Cancel();
        try
        {
            await longTimer;
            return "long timer fired";
        }
        catch (OperationCanceledException)
        {
            return "long timer cancelled";
        }
    }
}

/// <summary>Starts many timers of different lengths at once and records the order they fire in.</summary>
[Workflow]
public class ManyTimersWorkflow
{
    [WorkflowRun]
    public async Task<List<int>> RunAsync(int count)
    {
        var fired = new List<int>();
        var timers = Enumerable.Range(0, count).Select(async i =>
        {
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10 * (count - i)));
            fired.Add(i);
        });
        await Workflow.WhenAllAsync(timers);
        return fired;
    }
}

/// <summary>Collects signals; completes once it has the number it was started with.</summary>
[Workflow]
public class SignalCollectorWorkflow
{
    private readonly List<string> signals = [];

    [WorkflowRun]
    public async Task<List<string>> RunAsync(int expected)
    {
        await Workflow.WaitConditionAsync(() => signals.Count >= expected);
        return signals;
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        signals.Add(value);
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public IReadOnlyList<string> Signals => signals;
}

/// <summary>
/// Its first workflow task runs a local activity that blocks until the test has signalled, so the signal arrives
/// while the workflow task is started and must be buffered by the server, then delivered in the next task.
/// </summary>
[Workflow]
public class SignalDuringTaskWorkflow
{
    private readonly List<string> signals = [];

    [WorkflowRun]
    public async Task<List<string>> RunAsync()
    {
        await Workflow.ExecuteLocalActivityAsync((GateActivities a) => a.WaitForGateAsync(),
            new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        await Workflow.WaitConditionAsync(() => signals.Count > 0);
        return signals;
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        signals.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>An activity that waits until the test opens its gate.</summary>
public sealed class GateActivities
{
    /// <summary>Set when the activity is running (the workflow task is started).</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by the test to let the activity finish.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits for the gate.</summary>
    [Temporalio.Activities.Activity]
    public async Task WaitForGateAsync()
    {
        Entered.TrySetResult();
        await Gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>Waits an hour; cancellation either propagates or is caught and cleaned up after, as told.</summary>
[Workflow]
public class WaitForeverWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(bool catchCancellation)
    {
        try
        {
            await Workflow.DelayAsync(TimeSpan.FromHours(1));
            return "timer fired";
        }
        catch (OperationCanceledException) when (catchCancellation)
        {
            // Cleanup after cancellation runs in a detached scope: a timer still works here.
            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10), CancellationToken.None);
            return "cancelled and cleaned up";
        }
    }
}

/// <summary>
/// Starts a two-second timer in its first task, then on a signal runs a local activity that blocks on the test's gate
/// (the timer fires meanwhile, while the task is running) and cancels the timer when the activity returns. The
/// workflow never saw the timer fire, so to it the timer is cancelled.
/// </summary>
[Workflow]
public class CancelFiredTimerWorkflow
{
    private bool go;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var source = new CancellationTokenSource();
        var timer = Workflow.DelayAsync(TimeSpan.FromSeconds(2), source.Token);
        await Workflow.WaitConditionAsync(() => go);
        await Workflow.ExecuteLocalActivityAsync((GateActivities a) => a.WaitForGateAsync(),
            new LocalActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        if (timer.IsCompleted)
        {
            return "timer had fired";
        }

        source.Cancel();
        try
        {
            await timer;
            return "timer fired";
        }
        catch (OperationCanceledException)
        {
            return "timer cancelled";
        }
    }

    [WorkflowSignal]
    public Task GoAsync()
    {
        go = true;
        return Task.CompletedTask;
    }
}
