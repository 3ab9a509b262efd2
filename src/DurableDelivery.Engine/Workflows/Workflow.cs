using System.Linq.Expressions;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Worker;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Workflows;

/// <summary>
/// The workflow's view of the world. Every member is deterministic and safe for replay; call them only from workflow code
/// (the run method and its handlers), never from activities or other threads.
/// </summary>
/// <remarks>
/// Mirrors Temporal's <c>Temporalio.Workflows.Workflow</c>. Do not use <c>DateTime.UtcNow</c>, <c>Task.Delay</c>,
/// <c>Task.Run</c>, <c>Random</c> or <c>Guid.NewGuid</c> in workflows: the build rejects them (banned-API analyzer)
/// and the engine fails the workflow task when code escapes the scheduler.
/// </remarks>
public static class Workflow
{
    private static WorkflowInstance Instance => WorkflowInstance.Running;

    /// <summary>Gets a value indicating whether the caller is running as workflow code.</summary>
    public static bool InWorkflow => TaskScheduler.Current is WorkflowInstance;

    /// <summary>Gets the current time of the workflow: the time its current workflow task started. Deterministic on replay.</summary>
    public static DateTime UtcNow => Instance.Now.UtcDateTime;

    /// <summary>Gets a random number generator seeded from history. Deterministic on replay.</summary>
    public static DeterministicRandom Random => Instance.Random;

    /// <summary>Gets a logger that is silent while the workflow replays.</summary>
    public static ILogger Logger => Instance.Logger;

    /// <summary>Gets information about the current run.</summary>
    public static WorkflowInfo Info => Instance.Info;

    /// <summary>Gets the token canceled when cancellation of the workflow is requested. The default token of every activity, timer and child.</summary>
    public static CancellationToken CancellationToken => Instance.CancellationToken;

    /// <summary>Gets the number of events in the history so far, the commands of the current task included.</summary>
    public static long CurrentHistoryLength => Instance.CurrentHistoryLength;

    /// <summary>Gets a value indicating whether the history is long or large enough that the workflow should continue as new.</summary>
    /// <remarks>True from <see cref="EngineLimits.SuggestContinueAsNewEvents"/> events (default 4,096), far below the hard limit (51,200).</remarks>
    public static bool ContinueAsNewSuggested => Instance.ContinueAsNewSuggested;

    /// <summary>Gets a value indicating whether every signal and update handler has finished.</summary>
    public static bool AllHandlersFinished => Instance.AllHandlersFinished;

    /// <summary>Gets a deterministic version-4 GUID built from <see cref="Random"/>.</summary>
    /// <returns>The GUID.</returns>
    public static Guid NewGuid() => Instance.NewGuid();

    /// <summary>
    /// Returns whether new code guarded by <paramref name="patchId"/> should run: true for new progress (a marker is
    /// recorded), and on replay true only if the marker was recorded. The result is memoized for the run.
    /// </summary>
    /// <param name="patchId">A stable patch id.</param>
    /// <returns>Whether to take the new code path.</returns>
    public static bool Patched(string patchId) => Instance.Patched(patchId, deprecated: false);

    /// <summary>Marks a patch as deprecated: the old code path is gone, and histories with or without the marker both replay.</summary>
    /// <param name="patchId">The patch id.</param>
    public static void DeprecatePatch(string patchId) => Instance.Patched(patchId, deprecated: true);

    /// <summary>Waits on a durable timer. The wait survives worker restarts.</summary>
    /// <param name="delay">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the timer; the default is <see cref="CancellationToken"/>.</param>
    /// <returns>A task that completes when the timer fires.</returns>
    public static Task DelayAsync(TimeSpan delay, CancellationToken? cancellationToken = null) =>
        Instance.StartTimer(delay, cancellationToken ?? Instance.CancellationToken);

    /// <summary>Waits on a durable timer of <paramref name="millisecondsDelay"/> milliseconds.</summary>
    /// <param name="millisecondsDelay">How long to wait, in milliseconds.</param>
    /// <param name="cancellationToken">Cancels the timer; the default is <see cref="CancellationToken"/>.</param>
    /// <returns>A task that completes when the timer fires.</returns>
    public static Task DelayAsync(int millisecondsDelay, CancellationToken? cancellationToken = null) =>
        DelayAsync(TimeSpan.FromMilliseconds(millisecondsDelay), cancellationToken);

    /// <summary>Waits until <paramref name="condition"/> is true. It is checked after every change of workflow state.</summary>
    /// <param name="condition">A side-effect-free predicate over workflow state.</param>
    /// <param name="cancellationToken">Cancels the wait; the default is <see cref="CancellationToken"/>.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task WaitConditionAsync(Func<bool> condition, CancellationToken? cancellationToken = null) =>
        Instance.WaitConditionAsync(condition, null, cancellationToken ?? Instance.CancellationToken);

    /// <summary>Waits until <paramref name="condition"/> is true or <paramref name="timeout"/> passes (a durable timer).</summary>
    /// <param name="condition">A side-effect-free predicate over workflow state.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="cancellationToken">Cancels the wait; the default is <see cref="CancellationToken"/>.</param>
    /// <returns>True if the condition held, false if the timeout passed first.</returns>
    public static Task<bool> WaitConditionAsync(Func<bool> condition, TimeSpan timeout, CancellationToken? cancellationToken = null) =>
        Instance.WaitConditionAsync(condition, timeout, cancellationToken ?? Instance.CancellationToken);

    /// <summary>Runs an activity given as a call on an activity class: <c>(MyActivities a) =&gt; a.DoAsync(x)</c>.</summary>
    /// <typeparam name="TActivityInstance">The activity class or interface.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="activityCall">The call.</param>
    /// <param name="options">The options; StartToCloseTimeout or ScheduleToCloseTimeout is required.</param>
    /// <returns>The activity's result.</returns>
    public static Task<TResult> ExecuteActivityAsync<TActivityInstance, TResult>(Expression<Func<TActivityInstance, Task<TResult>>> activityCall, ActivityOptions options) =>
        RunActivity<TResult>(activityCall, options);

    /// <summary>Runs an activity returning no value, given as a call on an activity class.</summary>
    /// <typeparam name="TActivityInstance">The activity class or interface.</typeparam>
    /// <param name="activityCall">The call.</param>
    /// <param name="options">The options.</param>
    /// <returns>A task that completes when the activity does.</returns>
    public static Task ExecuteActivityAsync<TActivityInstance>(Expression<Func<TActivityInstance, Task>> activityCall, ActivityOptions options) =>
        RunActivity<object?>(activityCall, options);

    /// <summary>Runs a synchronous activity given as a call on an activity class.</summary>
    /// <typeparam name="TActivityInstance">The activity class or interface.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="activityCall">The call.</param>
    /// <param name="options">The options.</param>
    /// <returns>The activity's result.</returns>
    public static Task<TResult> ExecuteActivityAsync<TActivityInstance, TResult>(Expression<Func<TActivityInstance, TResult>> activityCall, ActivityOptions options) =>
        RunActivity<TResult>(activityCall, options);

    /// <summary>Runs a static activity: <c>() =&gt; MyActivities.DoAsync(x)</c>.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="activityCall">The call.</param>
    /// <param name="options">The options.</param>
    /// <returns>The activity's result.</returns>
    public static Task<TResult> ExecuteActivityAsync<TResult>(Expression<Func<Task<TResult>>> activityCall, ActivityOptions options) =>
        RunActivity<TResult>(activityCall, options);

    /// <summary>Runs a static activity returning no value.</summary>
    /// <param name="activityCall">The call.</param>
    /// <param name="options">The options.</param>
    /// <returns>A task that completes when the activity does.</returns>
    public static Task ExecuteActivityAsync(Expression<Func<Task>> activityCall, ActivityOptions options) =>
        RunActivity<object?>(activityCall, options);

    /// <summary>Runs an activity by name.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="activity">The activity type name.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="options">The options.</param>
    /// <returns>The activity's result.</returns>
    public static async Task<TResult> ExecuteActivityAsync<TResult>(string activity, IReadOnlyCollection<object?> args, ActivityOptions options)
    {
        var json = await Instance.ScheduleActivity(activity, args, options);
        return PayloadConverter.Deserialize<TResult>(json);
    }

    /// <summary>Runs an activity by name, ignoring its result.</summary>
    /// <param name="activity">The activity type name.</param>
    /// <param name="args">The arguments.</param>
    /// <param name="options">The options.</param>
    /// <returns>A task that completes when the activity does.</returns>
    public static Task ExecuteActivityAsync(string activity, IReadOnlyCollection<object?> args, ActivityOptions options) =>
        Instance.ScheduleActivity(activity, args, options);

    /// <summary>Starts a child workflow and waits for its result (<see cref="StartChildWorkflowAsync{TWorkflow, TResult}"/> plus <c>GetResultAsync</c>).</summary>
    /// <remarks>
    /// Implemented without the handle, awaiting the child's result directly: the same continuations as before handles
    /// existed, so histories recorded by earlier builds replay in the same order.
    /// </remarks>
    /// <typeparam name="TWorkflow">The child workflow class.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="workflowRunCall">The run call, <c>(Child wf) =&gt; wf.RunAsync(x)</c>.</param>
    /// <param name="options">The options.</param>
    /// <returns>The child's result.</returns>
    public static async Task<TResult> ExecuteChildWorkflowAsync<TWorkflow, TResult>(Expression<Func<TWorkflow, Task<TResult>>> workflowRunCall, ChildWorkflowOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "child workflow");
        var child = Instance.StartChild(WorkflowDefinition.NameOf(method.DeclaringType!), args, options ?? new ChildWorkflowOptions());
        var json = await child.Result.Task;
        return PayloadConverter.Deserialize<TResult>(json);
    }

    /// <summary>Starts a child workflow returning no value and waits for it to finish.</summary>
    /// <typeparam name="TWorkflow">The child workflow class.</typeparam>
    /// <param name="workflowRunCall">The run call.</param>
    /// <param name="options">The options.</param>
    /// <returns>A task that completes when the child does.</returns>
    public static async Task ExecuteChildWorkflowAsync<TWorkflow>(Expression<Func<TWorkflow, Task>> workflowRunCall, ChildWorkflowOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "child workflow");
        var child = Instance.StartChild(WorkflowDefinition.NameOf(method.DeclaringType!), args, options ?? new ChildWorkflowOptions());
        await child.Result.Task;
    }

    /// <summary>
    /// Starts a child workflow and returns its handle once it has started (<c>ChildWorkflowExecutionStarted</c>): signal it,
    /// then wait for its result with <see cref="ChildWorkflowHandle{TWorkflow, TResult}.GetResultAsync()"/>.
    /// </summary>
    /// <typeparam name="TWorkflow">The child workflow class.</typeparam>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="workflowRunCall">The run call, <c>(Child wf) =&gt; wf.RunAsync(x)</c>.</param>
    /// <param name="options">The options.</param>
    /// <returns>The handle, once the child has started.</returns>
    /// <exception cref="ChildWorkflowFailureException">
    /// The child could not start (its id is in use). Temporal raises <c>WorkflowAlreadyStartedException</c> here; this
    /// engine raises the same exception as <see cref="ExecuteChildWorkflowAsync{TWorkflow, TResult}"/> does, with the cause
    /// (type <c>WorkflowAlreadyStarted</c>) inside.
    /// </exception>
    public static async Task<ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(
        Expression<Func<TWorkflow, Task<TResult>>> workflowRunCall, ChildWorkflowOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "child workflow");
        var instance = Instance;
        var child = instance.StartChild(WorkflowDefinition.NameOf(method.DeclaringType!), args, options ?? new ChildWorkflowOptions());
        await child.Started.Task;
        return new ChildWorkflowHandleImpl<TWorkflow, TResult>(instance, child);
    }

    /// <summary>Starts a child workflow returning no value and returns its handle once it has started.</summary>
    /// <typeparam name="TWorkflow">The child workflow class.</typeparam>
    /// <param name="workflowRunCall">The run call.</param>
    /// <param name="options">The options.</param>
    /// <returns>The handle, once the child has started.</returns>
    /// <exception cref="ChildWorkflowFailureException">The child could not start (see the overload with a result).</exception>
    public static async Task<ChildWorkflowHandle<TWorkflow>> StartChildWorkflowAsync<TWorkflow>(
        Expression<Func<TWorkflow, Task>> workflowRunCall, ChildWorkflowOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "child workflow");
        var instance = Instance;
        var child = instance.StartChild(WorkflowDefinition.NameOf(method.DeclaringType!), args, options ?? new ChildWorkflowOptions());
        await child.Started.Task;
        return new ChildWorkflowHandleImpl<TWorkflow, ValueTuple>(instance, child);
    }

    /// <summary>Gets a handle to signal or cancel another workflow (any workflow id, not only children).</summary>
    /// <param name="id">The workflow id.</param>
    /// <param name="runId">The run id, or null for the workflow's open run.</param>
    /// <returns>The handle. Nothing is checked or sent until it is used.</returns>
    public static ExternalWorkflowHandle GetExternalWorkflowHandle(string id, string? runId = null) => GetExternalWorkflowHandle<ValueTuple>(id, runId);

    /// <summary>Gets a typed handle to signal or cancel another workflow: <c>GetExternalWorkflowHandle&lt;Other&gt;(id).SignalAsync(wf =&gt; wf.GoAsync())</c>.</summary>
    /// <typeparam name="TWorkflow">The target workflow class or interface.</typeparam>
    /// <param name="id">The workflow id.</param>
    /// <param name="runId">The run id, or null for the workflow's open run.</param>
    /// <returns>The handle. Nothing is checked or sent until it is used.</returns>
    public static ExternalWorkflowHandle<TWorkflow> GetExternalWorkflowHandle<TWorkflow>(string id, string? runId = null) =>
        new ExternalWorkflowHandleImpl<TWorkflow>(Instance, id, runId);

    /// <summary>Creates the exception that, thrown from the run method, continues the workflow as a new run with fresh history.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <param name="workflowRunCall">The next run's call, <c>(MyWf wf) =&gt; wf.RunAsync(state)</c>.</param>
    /// <param name="options">The options.</param>
    /// <returns>The exception to throw.</returns>
    public static ContinueAsNewException CreateContinueAsNewException<TWorkflow>(Expression<Func<TWorkflow, Task>> workflowRunCall, ContinueAsNewOptions? options = null)
    {
        var (method, args) = ExpressionCall.Parse(workflowRunCall, "continue-as-new");
        return new ContinueAsNewException(WorkflowDefinition.NameOf(method.DeclaringType!), PayloadConverter.SerializeArgs(args), options?.TaskQueue);
    }

    /// <summary>Runs a function as a new task on the workflow scheduler (the deterministic replacement for <c>Task.Run</c>).</summary>
    /// <param name="function">The function.</param>
    /// <returns>The task.</returns>
    public static Task RunTaskAsync(Func<Task> function) =>
        Task.Factory.StartNew(function, CancellationToken.None, TaskCreationOptions.None, Instance).Unwrap();

    /// <summary>Runs a function returning a value as a new task on the workflow scheduler.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="function">The function.</param>
    /// <returns>The task.</returns>
    public static Task<T> RunTaskAsync<T>(Func<Task<T>> function) =>
        Task.Factory.StartNew(function, CancellationToken.None, TaskCreationOptions.None, Instance).Unwrap();

    /// <summary>Completes when any of the tasks completes; safe on the workflow scheduler.</summary>
    /// <param name="tasks">The tasks.</param>
    /// <returns>The first task to complete.</returns>
    public static Task<Task> WhenAnyAsync(params Task[] tasks) => Task.WhenAny(tasks);

    /// <summary>Completes when any of the tasks completes; safe on the workflow scheduler.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="tasks">The tasks.</param>
    /// <returns>The first task to complete.</returns>
    public static Task<Task<T>> WhenAnyAsync<T>(params Task<T>[] tasks) => Task.WhenAny(tasks);

    /// <summary>Completes when all the tasks complete; safe on the workflow scheduler.</summary>
    /// <param name="tasks">The tasks.</param>
    /// <returns>A task that completes when all do.</returns>
    public static Task WhenAllAsync(params Task[] tasks) => Task.WhenAll(tasks);

    /// <summary>Completes when all the tasks complete; safe on the workflow scheduler.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="tasks">The tasks.</param>
    /// <returns>The results.</returns>
    public static Task<T[]> WhenAllAsync<T>(params Task<T>[] tasks) => Task.WhenAll(tasks);

    private static async Task<TResult> RunActivity<TResult>(LambdaExpression call, ActivityOptions options)
    {
        var (method, args) = ExpressionCall.Parse(call, "activity");
        var json = await Instance.ScheduleActivity(ActivityDefinition.NameOf(method), args, options);
        return typeof(TResult) == typeof(object) && json is null ? default! : PayloadConverter.Deserialize<TResult>(json);
    }

    /// <summary>Members that are not safe for ordinary workflow code.</summary>
    public static class Unsafe
    {
        /// <summary>Gets a value indicating whether the workflow is replaying history (side effects must be skipped).</summary>
        public static bool IsReplaying => WorkflowInstance.Running.IsReplaying;
    }
}
