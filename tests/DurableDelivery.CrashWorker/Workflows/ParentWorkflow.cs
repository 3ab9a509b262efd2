using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>An activity, a child workflow (id <c>&lt;parent id&gt;/child</c>), an activity.</summary>
[Workflow]
public sealed class ParentWorkflow
{
    /// <summary>Runs "parent-before", the child, "parent-after".</summary>
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var before = await Steps.RunAsync("parent-before");
        var child = await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow c) => c.RunAsync(), new ChildWorkflowOptions { Id = $"{Workflow.Info.WorkflowId}/child" });
        var after = await Steps.RunAsync("parent-after");
        return $"{before}+{child}+{after}";
    }
}
