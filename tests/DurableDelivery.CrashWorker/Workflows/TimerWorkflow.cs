using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>An activity, a durable timer, another activity.</summary>
[Workflow]
public sealed class TimerWorkflow
{
    /// <summary>Runs "before", waits <paramref name="delayMs"/>, runs "after".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync(int delayMs)
    {
        var before = await Steps.RunAsync("before");
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(delayMs));
        var after = await Steps.RunAsync("after");
        return $"{before}+{after}";
    }
}
