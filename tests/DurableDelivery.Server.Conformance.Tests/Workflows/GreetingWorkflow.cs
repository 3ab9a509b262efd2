using Temporalio.Activities;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>Activities for the basic conformance workflows.</summary>
public static class BasicActivities
{
    [Activity]
    public static string Greet(string name) => $"Hello, {name}!";
}

[Workflow]
public class GreetingWorkflow
{
    private readonly List<string> signals = [];
    private bool done;

    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var greeting = await Workflow.ExecuteActivityAsync(
            () => BasicActivities.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(100));
        await Workflow.WaitConditionAsync(() => done);
        return $"{greeting} signals={string.Join(",", signals)}";
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        signals.Add(value);
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public IReadOnlyList<string> Signals => signals;

    [WorkflowUpdate]
    public Task<int> FinishAsync(string reason)
    {
        done = true;
        return Task.FromResult(signals.Count);
    }

    [WorkflowUpdateValidator(nameof(FinishAsync))]
    public void ValidateFinish(string reason)
    {
        if (string.IsNullOrEmpty(reason))
        {
            throw new ArgumentException("a reason is required");
        }
    }
}
