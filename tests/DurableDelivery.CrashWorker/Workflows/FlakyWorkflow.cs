using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>An activity that fails twice before it succeeds (retried by the engine), then an activity.</summary>
[Workflow]
public sealed class FlakyWorkflow
{
    /// <summary>The number of failures before the flaky activity succeeds.</summary>
    public const int Failures = 2;

    /// <summary>Runs "flaky" until it succeeds, then "after".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var flaky = await Workflow.ExecuteActivityAsync((CrashActivities a) => a.FlakyAsync("flaky", Failures), Steps.Options);
        var after = await Steps.RunAsync("after");
        return $"{flaky}+{after}";
    }
}
