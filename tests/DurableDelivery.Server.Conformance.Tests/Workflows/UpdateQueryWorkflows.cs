using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>A counter changed by updates, read by queries; runs until told to finish and returns the count.</summary>
[Workflow]
public class CounterWorkflow
{
    private int count;
    private bool released;
    private bool finished;

    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => finished && Workflow.AllHandlersFinished);
        return count;
    }

    /// <summary>Adds to the counter and returns the new count; the validator rejects non-positive amounts.</summary>
    [WorkflowUpdate]
    public Task<int> IncrementAsync(int by)
    {
        count += by;
        return Task.FromResult(count);
    }

    /// <summary>Returns the workflow clock as the update's workflow task saw it.</summary>
    [WorkflowUpdate]
    public Task<DateTime> ClockAsync() => Task.FromResult(Workflow.UtcNow);

    [WorkflowUpdateValidator(nameof(IncrementAsync))]
    public void ValidateIncrement(int by)
    {
        if (by <= 0)
        {
            throw new ArgumentException($"increment must be positive, not {by}");
        }
    }

    /// <summary>Accepted at once, completes only when released by a signal.</summary>
    [WorkflowUpdate]
    public async Task<string> WaitForReleaseAsync()
    {
        await Workflow.WaitConditionAsync(() => released);
        return $"released at {count}";
    }

    [WorkflowSignal]
    public Task ReleaseAsync()
    {
        released = true;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public int Count => count;

    [WorkflowQuery]
    public string Broken() => throw new InvalidOperationException("this query always fails");
}

/// <summary>Runs fine until signalled to break; from then on every workflow task fails (a bug in the code).</summary>
[Workflow]
public class BreakableWorkflow
{
    private bool broken;

    [WorkflowRun]
    public async Task RunAsync()
    {
        await Workflow.WaitConditionAsync(() => broken);
        throw new InvalidOperationException("a bug after the signal");
    }

    [WorkflowSignal]
    public Task BreakAsync()
    {
        broken = true;
        return Task.CompletedTask;
    }

    [WorkflowQuery]
    public string State => broken ? "broken" : "fine";
}
