using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.CrashWorker.Workflows;

/// <summary>Activity calls shared by the crash-test workflows.</summary>
public static class Steps
{
    /// <summary>The task queue every crash-test workflow and activity runs on.</summary>
    public const string TaskQueue = "crash";

    /// <summary>Options of every activity: generous timeouts (a crash must be survived, not timed out) and fast retries.</summary>
    public static readonly ActivityOptions Options = new()
    {
        StartToCloseTimeout = TimeSpan.FromMinutes(2),
        RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromMilliseconds(10), BackoffCoefficient = 1 },
    };

    /// <summary>Runs <see cref="CrashActivities.StepAsync"/>.</summary>
    public static Task<string> RunAsync(string step) => Workflow.ExecuteActivityAsync((CrashActivities a) => a.StepAsync(step), Options);
}
