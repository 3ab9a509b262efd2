using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Worker;

/// <summary>Options of a <see cref="DurableWorker"/>: what it runs and how much at once.</summary>
public sealed class DurableWorkerOptions
{
    private readonly List<Type> workflows = [];
    private readonly List<ActivityDefinition> activities = [];

    /// <summary>Initializes a new instance of the <see cref="DurableWorkerOptions"/> class.</summary>
    /// <param name="taskQueue">The task queue the worker serves.</param>
    public DurableWorkerOptions(string taskQueue) => TaskQueue = taskQueue;

    /// <summary>Gets or sets the task queue the worker serves.</summary>
    public string TaskQueue { get; set; }

    /// <summary>Gets or sets the worker's identity, recorded in history.</summary>
    /// <value>The default is <c>&lt;host&gt;@&lt;pid&gt;</c>.</value>
    public string Identity { get; set; } = $"{Environment.MachineName}@{Environment.ProcessId}";

    /// <summary>Gets or sets the most activities run at once.</summary>
    /// <value>The default is 100.</value>
    public int MaxConcurrentActivities { get; set; } = 100;

    /// <summary>Gets or sets the most workflow tasks in flight at once (a task holds its slot while its commit is made durable).</summary>
    /// <value>The default is 100, as in Temporal: with fewer slots, throughput is bound by slots x commit latency, not by the disk.</value>
    public int MaxConcurrentWorkflowTasks { get; set; } = 100;

    /// <summary>Gets or sets how many live workflow instances are kept in memory; an evicted one is rebuilt by replay.</summary>
    /// <value>The default is 10,000.</value>
    public int MaxCachedWorkflows { get; set; } = 10_000;

    /// <summary>Gets or sets how often the worker looks for work written by other processes (in-process work wakes it at once).</summary>
    /// <value>The default is 50 ms.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Gets or sets how long shutdown waits for running activities before canceling them.</summary>
    /// <value>The default is zero: cancel at once (their attempts are retried by the next worker).</value>
    public TimeSpan GracefulShutdownTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how long one workflow activation may block its thread before its task fails (deadlock detection).</summary>
    /// <value>The default is 2 seconds, or infinite when <c>DD_DEBUG=1</c>.</value>
    public TimeSpan DeadlockTimeout { get; set; } = Environment.GetEnvironmentVariable("DD_DEBUG") == "1" ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the history and payload limits.</summary>
    public EngineLimits Limits { get; set; } = new();

    /// <summary>Gets or sets the logger factory.</summary>
    /// <value>The default is the client's.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal IReadOnlyList<Type> Workflows => workflows;

    internal IReadOnlyList<ActivityDefinition> Activities => activities;

    /// <summary>Registers a workflow class.</summary>
    /// <typeparam name="TWorkflow">The workflow class.</typeparam>
    /// <returns>These options.</returns>
    public DurableWorkerOptions AddWorkflow<TWorkflow>() => AddWorkflow(typeof(TWorkflow));

    /// <summary>Registers a workflow class.</summary>
    /// <param name="type">The workflow class.</param>
    /// <returns>These options.</returns>
    public DurableWorkerOptions AddWorkflow(Type type)
    {
        WorkflowDefinition.Create(type);
        workflows.Add(type);
        return this;
    }

    /// <summary>Registers every [Activity] method of an instance (and the static ones of its type).</summary>
    /// <param name="instance">The activity object.</param>
    /// <returns>These options.</returns>
    public DurableWorkerOptions AddAllActivities(object instance)
    {
        activities.AddRange(ActivityDefinition.FromInstance(instance));
        return this;
    }

    /// <summary>Registers every [Activity] method of a type, creating the instance per call with <paramref name="factory"/>.</summary>
    /// <param name="type">The activity type.</param>
    /// <param name="factory">Creates the instance for each call; null for static activities only.</param>
    /// <returns>These options.</returns>
    public DurableWorkerOptions AddAllActivities(Type type, Func<object?>? factory)
    {
        activities.AddRange(ActivityDefinition.FromType(type, factory));
        return this;
    }

    /// <summary>Registers one activity delegate whose method carries [Activity].</summary>
    /// <param name="activity">The delegate.</param>
    /// <returns>These options.</returns>
    public DurableWorkerOptions AddActivity(Delegate activity)
    {
        activities.Add(ActivityDefinition.FromDelegate(activity));
        return this;
    }
}
