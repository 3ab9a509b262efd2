using DurableDelivery.Engine.Common;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Activities;

/// <summary>The context of the running activity attempt: info, cancellation and heartbeats.</summary>
public sealed class ActivityExecutionContext
{
    private static readonly AsyncLocal<ActivityExecutionContext?> CurrentContext = new();
    private readonly Action<string?> heartbeat;

    internal ActivityExecutionContext(ActivityInfo info, CancellationToken cancellationToken, CancellationToken workerShutdownToken, ILogger logger, Action<string?> heartbeat)
    {
        Info = info;
        CancellationToken = cancellationToken;
        WorkerShutdownToken = workerShutdownToken;
        Logger = logger;
        this.heartbeat = heartbeat;
    }

    /// <summary>Gets the context of the activity running on this async flow.</summary>
    /// <exception cref="InvalidOperationException">Not called from an activity.</exception>
    public static ActivityExecutionContext Current => CurrentContext.Value
        ?? throw new InvalidOperationException("ActivityExecutionContext.Current is only available inside an activity.");

    /// <summary>Gets a value indicating whether the caller runs inside an activity.</summary>
    public static bool HasCurrent => CurrentContext.Value is not null;

    /// <summary>Gets the attempt's info.</summary>
    public ActivityInfo Info { get; }

    /// <summary>Gets the token canceled when the workflow cancels the activity (learned through heartbeats), when the attempt times out, or when the workflow closes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets the token canceled when the worker shuts down.</summary>
    public CancellationToken WorkerShutdownToken { get; }

    /// <summary>Gets a logger scoped to the activity.</summary>
    public ILogger Logger { get; }

    /// <summary>Gets why the activity was canceled, once it was.</summary>
    public string? CancelReason { get; internal set; }

    /// <summary>
    /// Records progress. The last details are readable by the next attempt (<see cref="ActivityInfo.HeartbeatDetailAtAsync{T}(int)"/>).
    /// Heartbeats are throttled (0.8x the heartbeat timeout, else 30 s); the reply tells the activity of cancellation.
    /// </summary>
    /// <param name="details">Progress details, serialized as JSON.</param>
    public void Heartbeat(params object?[] details) => heartbeat(details.Length == 0 ? null : PayloadConverter.SerializeArgs(details));

    internal static void SetCurrent(ActivityExecutionContext? context) => CurrentContext.Value = context;
}
