using System.Linq.Expressions;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Engine.Client;

/// <summary>Options for starting a workflow.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Initializes a new instance of the <see cref="WorkflowOptions"/> class.</summary>
    public WorkflowOptions()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkflowOptions"/> class.</summary>
    /// <param name="id">The workflow id.</param>
    /// <param name="taskQueue">The task queue.</param>
    public WorkflowOptions(string id, string taskQueue)
    {
        Id = id;
        TaskQueue = taskQueue;
    }

    /// <summary>Gets or sets the workflow id: stable, human-readable, and the idempotency key of the start.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the task queue.</summary>
    public string? TaskQueue { get; set; }

    /// <summary>Gets or sets what happens when a closed run with the same id exists.</summary>
    /// <value>The default is <see cref="WorkflowIdReusePolicy.AllowDuplicate"/>.</value>
    public WorkflowIdReusePolicy IdReusePolicy { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the first workflow task goes straight to a worker of this client's process, as
    /// Temporal's eager workflow start does: the start's own commit assigns the run to that worker, which runs the task at
    /// once, with no claim through the store. Ignored (a normal start) when no worker here runs the task queue and the
    /// workflow type, for a signal-with-start, and when the id's open run is used instead.
    /// </summary>
    public bool RequestEagerStart { get; set; }

    /// <summary>Gets or sets what happens when an open run with the same id exists.</summary>
    /// <value>The default is <see cref="WorkflowIdConflictPolicy.Fail"/>.</value>
    public WorkflowIdConflictPolicy IdConflictPolicy { get; set; }

    internal (string Name, string ArgsJson)? StartSignal { get; private set; }

    /// <summary>Makes the start a signal-with-start: atomically start the workflow (or use the open run) and deliver this signal.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <param name="signalCall">The signal call.</param>
    public void SignalWithStart<TWorkflow>(Expression<Func<TWorkflow, Task>> signalCall)
    {
        var (method, args) = ExpressionCall.Parse(signalCall, "signal");
        SignalWithStart(Worker.WorkflowSignalNames.Of(method), args);
    }

    /// <summary>Makes the start a signal-with-start, naming the signal.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="args">The signal's arguments.</param>
    public void SignalWithStart(string signal, IReadOnlyCollection<object?> args)
    {
        StartSignal = (signal, PayloadConverter.SerializeArgs(args));
        IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
    }

    internal HistoryEvent? SignalEvent(string identity) => StartSignal is { } s
        ? new HistoryEvent { EventType = EventType.WorkflowExecutionSignaled, Name = s.Name, Payload = s.ArgsJson, Identity = identity }
        : null;
}

/// <summary>Options for an update call.</summary>
public sealed record WorkflowUpdateOptions
{
    /// <summary>Gets the update id, the idempotency key of the update: a retried call with the same id returns the first outcome.</summary>
    /// <value>The default is <c>null</c>: a new GUID.</value>
    public string? UpdateId { get; init; }
}
