using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Bench;

/// <summary>The workflows the benchmark runs.</summary>
internal static class BenchWorkflows
{
    public const string TaskQueue = "bench";

    public static readonly ActivityOptions StepOptions = new() { StartToCloseTimeout = TimeSpan.FromMinutes(10) };
}

/// <summary>Figure 2 and 3: three activities in sequence, then the result.</summary>
[Workflow]
public sealed class ThreeStepWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int n)
    {
        var a = await Workflow.ExecuteActivityAsync((BenchActivities x) => x.StepAsync(1), BenchWorkflows.StepOptions);
        var b = await Workflow.ExecuteActivityAsync((BenchActivities x) => x.StepAsync(2), BenchWorkflows.StepOptions);
        var c = await Workflow.ExecuteActivityAsync((BenchActivities x) => x.StepAsync(3), BenchWorkflows.StepOptions);
        return n + a + b + c;
    }
}

/// <summary>Figure 4: one activity that completes, then one that is in flight when the worker is killed.</summary>
[Workflow]
public sealed class HoldWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int n)
    {
        await Workflow.ExecuteActivityAsync((BenchActivities x) => x.PrepareAsync(n), BenchWorkflows.StepOptions);
        return await Workflow.ExecuteActivityAsync((BenchActivities x) => x.HoldAsync(n), BenchWorkflows.StepOptions);
    }
}
