using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Worker;

/// <summary>The engine's <see cref="ExternalWorkflowHandle{TWorkflow}"/>: requests go to the instance that created it.</summary>
internal sealed class ExternalWorkflowHandleImpl<TWorkflow>(WorkflowInstance instance, string id, string? runId) : ExternalWorkflowHandle<TWorkflow>
{
    public override string Id => id;

    public override string? RunId => runId;

    public override Task SignalAsync(string signal, IReadOnlyCollection<object?> args, ExternalWorkflowSignalOptions? options = null) =>
        instance.SignalExternal(id, runId, childWorkflowOnly: false, signal, args, options?.CancellationToken);

    public override Task CancelAsync() => instance.CancelExternal(id, runId);
}

/// <summary>The engine's <see cref="ChildWorkflowHandle{TWorkflow, TResult}"/> over a started child.</summary>
internal sealed class ChildWorkflowHandleImpl<TWorkflow, TResult>(WorkflowInstance instance, WorkflowInstance.PendingChild child) : ChildWorkflowHandle<TWorkflow, TResult>
{
    public override string Id => child.WorkflowId;

    public override string FirstExecutionRunId => child.RunId;

    public override async Task<TLocalResult> GetResultAsync<TLocalResult>()
    {
        var json = await child.Result.Task;
        return typeof(TLocalResult) == typeof(ValueTuple) ? default! : PayloadConverter.Deserialize<TLocalResult>(json);
    }

    // Temporal signals a child by workflow id with "child workflow only" set: the target must be this run's child.
    public override Task SignalAsync(string signal, IReadOnlyCollection<object?> args, ChildWorkflowSignalOptions? options = null) =>
        instance.SignalExternal(child.WorkflowId, null, childWorkflowOnly: true, signal, args, options?.CancellationToken);
}
