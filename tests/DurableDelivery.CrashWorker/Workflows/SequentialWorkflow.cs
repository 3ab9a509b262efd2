using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>Three activities one after the other.</summary>
[Workflow]
public sealed class SequentialWorkflow
{
    /// <summary>Runs step-1, step-2 and step-3.</summary>
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var results = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            results.Add(await Steps.RunAsync($"step-{i}"));
        }

        return string.Join('+', results);
    }
}
