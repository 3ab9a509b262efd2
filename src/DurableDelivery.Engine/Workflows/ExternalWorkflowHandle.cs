using System.Linq.Expressions;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Engine.Workflows;

/// <summary>
/// A handle to another workflow, from workflow code: signal it or request its cancellation. Get one with
/// <see cref="Workflow.GetExternalWorkflowHandle(string, string?)"/>. Mirrors Temporal's <c>Temporalio.Workflows.ExternalWorkflowHandle</c>.
/// </summary>
/// <remarks>
/// A signal is delivered exactly once: it reaches the target's inbox in the same store transaction that records
/// <c>SignalExternalWorkflowExecutionInitiated</c> in the sender's history. Replay resolves it from history and never sends again.
/// </remarks>
public abstract class ExternalWorkflowHandle
{
    /// <summary>Gets the workflow id of the target.</summary>
    public abstract string Id { get; }

    /// <summary>Gets the run id of the target, or null for its open run.</summary>
    public abstract string? RunId { get; }

    /// <summary>Signals the workflow through a call to its <c>[WorkflowSignal]</c> method: <c>h.SignalAsync((Other wf) =&gt; wf.ApproveAsync("me"))</c>.</summary>
    /// <typeparam name="TWorkflow">The target workflow class or interface.</typeparam>
    /// <param name="signalCall">The signal call; its arguments are evaluated now.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the signal is delivered.</returns>
    /// <exception cref="Exceptions.ApplicationFailureException">The target has no open run (type <c>ExternalWorkflowExecutionNotFound</c>).</exception>
    public Task SignalAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> signalCall, ExternalWorkflowSignalOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(signalCall, "signal");
        return SignalAsync(WorkflowSignalNames.Of(method), args, options);
    }

    /// <summary>Signals the workflow by signal name.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the signal is delivered (<c>ExternalWorkflowExecutionSignaled</c> is recorded).</returns>
    /// <exception cref="Exceptions.ApplicationFailureException">The target has no open run (type <c>ExternalWorkflowExecutionNotFound</c>).</exception>
    /// <exception cref="Exceptions.CanceledFailureException">The options' token (default: the workflow's) was already canceled.</exception>
    public abstract Task SignalAsync(string signal, IReadOnlyCollection<object?> args, ExternalWorkflowSignalOptions? options = null);

    /// <summary>Requests cancellation of the workflow: its cancellation token fires, and its code decides how to wind down.</summary>
    /// <returns>A task that completes when the request is delivered (<c>ExternalWorkflowExecutionCancelRequested</c> is recorded).</returns>
    /// <exception cref="Exceptions.ApplicationFailureException">The target has no open run (type <c>ExternalWorkflowExecutionNotFound</c>).</exception>
    public abstract Task CancelAsync();
}

/// <summary>A handle to another workflow of a known class: signals as calls on the class.</summary>
/// <typeparam name="TWorkflow">The target workflow class or interface.</typeparam>
public abstract class ExternalWorkflowHandle<TWorkflow> : ExternalWorkflowHandle
{
    /// <summary>Signals the workflow: <c>h.SignalAsync(wf =&gt; wf.ApproveAsync("me"))</c>.</summary>
    /// <param name="signalCall">The signal call; its arguments are evaluated now.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the signal is delivered.</returns>
    public Task SignalAsync(Expression<Func<TWorkflow, Task>> signalCall, ExternalWorkflowSignalOptions? options = null) =>
        SignalAsync<TWorkflow>(signalCall, options);
}

/// <summary>Options for <see cref="ExternalWorkflowHandle.SignalAsync(string, IReadOnlyCollection{object?}, ExternalWorkflowSignalOptions?)"/>.</summary>
/// <remarks>Temporal's is a mutable class with <c>Clone()</c>; this is a record (object initializers work the same).</remarks>
public sealed record ExternalWorkflowSignalOptions
{
    /// <summary>Gets the token that cancels the signal before it is sent.</summary>
    /// <value>The default is <c>null</c>: <see cref="Workflow.CancellationToken"/>.</value>
    /// <remarks>
    /// Already canceled when SignalAsync is called: the signal is not sent and the task fails with a
    /// <see cref="Exceptions.CanceledFailureException"/>, as in Temporal. Canceled later: no effect, the signal is sent
    /// when the workflow task commits. (Temporal drops a signal whose token is canceled within the same workflow task,
    /// before the command reaches the server; this engine does not.)
    /// </remarks>
    public CancellationToken? CancellationToken { get; init; }
}
