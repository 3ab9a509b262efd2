using DurableDelivery.Engine.Activities;

namespace DurableDelivery.CrashWorker;

/// <summary>Activities that record every execution in the <see cref="ActivityLog"/> before they return.</summary>
public sealed class CrashActivities(ActivityLog log)
{
    /// <summary>Records the execution and returns <c>&lt;step&gt;</c>.</summary>
    [Activity]
    public Task<string> StepAsync(string step)
    {
        Record(step);
        return Task.FromResult($"<{step}>");
    }

    /// <summary>
    /// Fails until it has been executed more than <paramref name="failures"/> times for this activity (counted in the
    /// log, so across processes), then returns <c>&lt;step&gt;</c>.
    /// </summary>
    [Activity]
    public Task<string> FlakyAsync(string step, int failures)
    {
        var me = Record(step);
        var executions = log.ReadAll().Count(e => e.Key == me.Key);
        if (executions <= failures)
        {
            throw new InvalidOperationException($"flaky failure {executions} of {failures} for {me.WorkflowId}/{step}");
        }

        return Task.FromResult($"<{step}>");
    }

    private ActivityExecution Record(string step)
    {
        var ctx = ActivityExecutionContext.Current;

        // Every attempt heartbeats once (the first heartbeat is written at once), so that heartbeat writes happen.
        ctx.Heartbeat(step);
        var execution = new ActivityExecution(ctx.Info.WorkflowId, step, ctx.Info.Attempt, Environment.ProcessId, ctx.Info.WorkflowRunId, ctx.Info.ActivityId);
        log.Append(execution);
        return execution;
    }
}
