using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Workflows;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableDelivery.Engine.Worker;

/// <summary>Replays recorded histories against the current workflow code to catch non-deterministic changes (run it in CI).</summary>
public sealed class WorkflowReplayer
{
    private readonly Dictionary<string, WorkflowDefinition> workflows = new(StringComparer.Ordinal);

    /// <summary>Registers a workflow class.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <returns>This replayer.</returns>
    public WorkflowReplayer AddWorkflow<TWorkflow>() => AddWorkflow(typeof(TWorkflow));

    /// <summary>Registers a workflow class.</summary>
    /// <param name="type">The workflow class.</param>
    /// <returns>This replayer.</returns>
    public WorkflowReplayer AddWorkflow(Type type)
    {
        var def = WorkflowDefinition.Create(type);
        workflows[def.Name] = def;
        return this;
    }

    /// <summary>Replays one history.</summary>
    /// <param name="history">The history.</param>
    /// <exception cref="NondeterminismException">The code produced different commands than the history holds.</exception>
    public void ReplayWorkflow(WorkflowHistory history)
    {
        var started = history.Events.FirstOrDefault(e => e.EventType == EventType.WorkflowExecutionStarted)
            ?? throw new ArgumentException($"History of '{history.WorkflowId}' has no WorkflowExecutionStarted event.");
        if (!workflows.TryGetValue(started.Name ?? string.Empty, out var def))
        {
            throw new ArgumentException($"History of '{history.WorkflowId}' is of workflow type '{started.Name}', which is not registered on the replayer.");
        }

        var instance = new WorkflowInstance(
            def,
            new WorkflowInfo { WorkflowId = history.WorkflowId, RunId = "replay", WorkflowType = def.Name, TaskQueue = started.TaskQueue ?? "replay" },
            NullLogger.Instance,
            new EngineLimits());
        instance.Replay(history.Events);
    }
}
