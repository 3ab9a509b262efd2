using System.Linq.Expressions;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Engine.Workflows;

/// <summary>
/// A handle to a started child workflow: signal it, wait for its result. Get one with
/// <see cref="Workflow.StartChildWorkflowAsync{TWorkflow}(Expression{Func{TWorkflow, Task}}, ChildWorkflowOptions?)"/>.
/// Mirrors Temporal's <c>Temporalio.Workflows.ChildWorkflowHandle</c>; cancel a child through <see cref="ChildWorkflowOptions.CancellationToken"/>.
/// </summary>
public abstract class ChildWorkflowHandle
{
    /// <summary>Gets the child's workflow id.</summary>
    public abstract string Id { get; }

    /// <summary>Gets the run id of the child's first run.</summary>
    public abstract string FirstExecutionRunId { get; }

    /// <summary>Waits for the child to finish, ignoring its result.</summary>
    /// <returns>A task that completes when the child does.</returns>
    /// <exception cref="Exceptions.ChildWorkflowFailureException">The child failed, was canceled, terminated or timed out.</exception>
    public Task GetResultAsync() => GetResultAsync<ValueTuple>();

    /// <summary>Waits for the child's result.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <returns>The result.</returns>
    /// <exception cref="Exceptions.ChildWorkflowFailureException">The child failed, was canceled, terminated or timed out.</exception>
    public abstract Task<TResult> GetResultAsync<TResult>();

    /// <summary>Signals the child through a call to its <c>[WorkflowSignal]</c> method.</summary>
    /// <typeparam name="TWorkflow">The child workflow class or interface.</typeparam>
    /// <param name="signalCall">The signal call; its arguments are evaluated now.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the signal is delivered.</returns>
    public Task SignalAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> signalCall, ChildWorkflowSignalOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(signalCall, "signal");
        return SignalAsync(WorkflowSignalNames.Of(method), args, options);
    }

    /// <summary>Signals the child by signal name. Delivered exactly once, like <see cref="ExternalWorkflowHandle"/> signals.</summary>
    /// <param name="signal">The signal name.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the signal is delivered (<c>ExternalWorkflowExecutionSignaled</c> is recorded).</returns>
    /// <exception cref="Exceptions.ApplicationFailureException">The child is no longer running (type <c>ExternalWorkflowExecutionNotFound</c>).</exception>
    public abstract Task SignalAsync(string signal, IReadOnlyCollection<object?> args, ChildWorkflowSignalOptions? options = null);
}

/// <summary>A handle to a started child workflow of a known class.</summary>
/// <typeparam name="TWorkflow">The child workflow class.</typeparam>
public abstract class ChildWorkflowHandle<TWorkflow> : ChildWorkflowHandle
{
    /// <summary>Signals the child: <c>h.SignalAsync(wf =&gt; wf.AddAsync(x))</c>.</summary>
    /// <param name="signalCall">The signal call; its arguments are evaluated now.</param>
    /// <param name="options">Options.</param>
    /// <returns>A task that completes when the signal is delivered.</returns>
    public Task SignalAsync(Expression<Func<TWorkflow, Task>> signalCall, ChildWorkflowSignalOptions? options = null) =>
        SignalAsync<TWorkflow>(signalCall, options);
}

/// <summary>A handle to a started child workflow whose run method returns <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TWorkflow">The child workflow class.</typeparam>
/// <typeparam name="TResult">The result type.</typeparam>
public abstract class ChildWorkflowHandle<TWorkflow, TResult> : ChildWorkflowHandle<TWorkflow>
{
    /// <summary>Waits for the child's result.</summary>
    /// <returns>The result.</returns>
    /// <exception cref="Exceptions.ChildWorkflowFailureException">The child failed, was canceled, terminated or timed out.</exception>
    public new Task<TResult> GetResultAsync() => GetResultAsync<TResult>();
}

/// <summary>Options for <see cref="ChildWorkflowHandle.SignalAsync(string, IReadOnlyCollection{object?}, ChildWorkflowSignalOptions?)"/>.</summary>
/// <remarks>Temporal's is a mutable class with <c>Clone()</c>; this is a record (object initializers work the same).</remarks>
public sealed record ChildWorkflowSignalOptions
{
    /// <summary>Gets the token that cancels the signal before it is sent; see <see cref="ExternalWorkflowSignalOptions.CancellationToken"/>.</summary>
    /// <value>The default is <c>null</c>: <see cref="Workflow.CancellationToken"/>.</value>
    public CancellationToken? CancellationToken { get; init; }
}
