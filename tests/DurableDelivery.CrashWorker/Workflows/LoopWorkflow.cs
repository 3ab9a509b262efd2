using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>One activity per run, continuing as new until <c>total</c> runs have each done theirs.</summary>
[Workflow]
public sealed class LoopWorkflow
{
    /// <summary>Runs "iter-&lt;iteration&gt;", then continues as new with the next iteration or returns the results so far.</summary>
    [WorkflowRun]
    public async Task<string> RunAsync(int iteration, int total, string soFar)
    {
        var step = await Steps.RunAsync($"iter-{iteration}");
        var results = soFar.Length == 0 ? step : $"{soFar}+{step}";
        if (iteration < total)
        {
            throw Workflow.CreateContinueAsNewException((LoopWorkflow wf) => wf.RunAsync(iteration + 1, total, results));
        }

        return results;
    }
}
