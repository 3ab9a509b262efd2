using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>Three activities at once (their completions race each other into the workflow), then one more.</summary>
[Workflow]
public sealed class ParallelWorkflow
{
    /// <summary>Runs fan-1, fan-2 and fan-3 concurrently, then "joined".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var fan = await Workflow.WhenAllAsync(Steps.RunAsync("fan-1"), Steps.RunAsync("fan-2"), Steps.RunAsync("fan-3"));
        var joined = await Steps.RunAsync("joined");
        return $"{string.Join('+', fan)}+{joined}";
    }
}
