using System.Collections.Concurrent;
using System.Diagnostics;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace DurableDelivery.Bench.Server;

/// <summary>Three activities that do nothing but record when they start and end (one clock: this process).</summary>
public static class StepActivities
{
    private static readonly ConcurrentDictionary<string, long> LastEnd = new();

    /// <summary>Gaps between one activity's end and the next activity's start of the same workflow, in ticks.</summary>
    public static ConcurrentQueue<long> Gaps { get; } = new();

    /// <summary>Whether gaps are recorded (off during warm-up).</summary>
    public static bool Recording { get; set; }

    [Activity]
    public static int Step(int step)
    {
        var now = Stopwatch.GetTimestamp();
        var id = ActivityExecutionContext.Current.Info.WorkflowId ?? "";
        if (step > 1 && Recording && LastEnd.TryRemove(id, out var end))
        {
            Gaps.Enqueue(now - end);
        }

        if (step < 3)
        {
            LastEnd[id] = Stopwatch.GetTimestamp();
        }

        return step;
    }
}

/// <summary>The benchmark's workflow: three activities in sequence.</summary>
[Workflow]
public class ThreeStepWorkflow
{
    private static readonly ActivityOptions Options = new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) };

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        var sum = 0;
        for (var step = 1; step <= 3; step++)
        {
            sum += await Workflow.ExecuteActivityAsync(() => StepActivities.Step(step), Options);
        }

        return sum;
    }
}

/// <summary>Open and idle until signalled (memory and resume figures).</summary>
[Workflow]
public class IdleWorkflow
{
    private bool go;

    [WorkflowRun]
    public async Task<int> RunAsync(int timerSeconds)
    {
        await Workflow.ExecuteActivityAsync(() => StepActivities.Step(0), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        if (timerSeconds > 0)
        {
            await Workflow.DelayAsync(TimeSpan.FromSeconds(timerSeconds));
        }
        else
        {
            await Workflow.WaitConditionAsync(() => go);
        }

        return await Workflow.ExecuteActivityAsync(() => StepActivities.Step(0), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
    }

    [WorkflowSignal]
    public Task GoAsync()
    {
        go = true;
        return Task.CompletedTask;
    }
}
