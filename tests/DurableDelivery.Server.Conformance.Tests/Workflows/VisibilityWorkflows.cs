using Temporalio.Common;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>Sets a customer search attribute, then waits to be told to finish.</summary>
[Workflow]
public class TaggedWorkflow
{
    /// <summary>The custom search attribute the test registers.</summary>
    public static readonly SearchAttributeKey<string> CustomerId = SearchAttributeKey.CreateKeyword("CustomerId");

    private bool finished;

    [WorkflowRun]
    public async Task<string> RunAsync(string customer)
    {
        Workflow.UpsertTypedSearchAttributes(CustomerId.ValueSet(customer));
        await Workflow.WaitConditionAsync(() => finished);
        return customer;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finished = true;
        return Task.CompletedTask;
    }
}

/// <summary>Sleeps for the given time and returns how much workflow time passed.</summary>
[Workflow]
public class SleepWorkflow
{
    [WorkflowRun]
    public async Task<TimeSpan> RunAsync(TimeSpan sleep)
    {
        var start = Workflow.UtcNow;
        await Workflow.DelayAsync(sleep);
        return Workflow.UtcNow - start;
    }
}
