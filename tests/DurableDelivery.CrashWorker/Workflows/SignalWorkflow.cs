using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>An activity, then a wait for a number of signals, then an activity; the result lists the signals in order.</summary>
[Workflow]
public sealed class SignalWorkflow
{
    private readonly List<string> values = [];

    /// <summary>Runs "before", waits for <paramref name="signals"/> signals, runs "after".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync(int signals)
    {
        var before = await Steps.RunAsync("before");
        await Workflow.WaitConditionAsync(() => values.Count >= signals);
        var after = await Steps.RunAsync("after");
        return $"{before}+[{string.Join(',', values)}]+{after}";
    }

    /// <summary>Adds a value.</summary>
    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        values.Add(value);
        return Task.CompletedTask;
    }
}
