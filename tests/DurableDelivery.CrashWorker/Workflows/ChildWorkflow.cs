using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>The child of <see cref="ParentWorkflow"/>: one activity.</summary>
[Workflow]
public sealed class ChildWorkflow
{
    /// <summary>Runs "child".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync() => $"child({await Steps.RunAsync("child")})";
}
