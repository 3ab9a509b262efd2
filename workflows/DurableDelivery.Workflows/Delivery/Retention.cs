using DurableDelivery.Domain.Traffic;
using Temporalio.Workflows;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// Warm retention, one provider call at a time (make-before-break): what <see cref="RetentionPlanner"/> no longer
/// keeps is drained first and deleted only once drained. One step per call, so the caller can serve overrides between
/// steps. Workflow code: deterministic, provider calls through <see cref="IDeliveryActivities"/>.
/// </summary>
internal static class Retention
{
    private static readonly ActivityOptions DeleteOptions = new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(200), MaximumInterval = TimeSpan.FromSeconds(5) },
    };

    private static ActivityOptions WithStartToClose(ActivityOptions options, TimeSpan startToClose)
    {
        var copy = (ActivityOptions)options.Clone();
        copy.StartToCloseTimeout = startToClose;
        return copy;
    }

    /// <summary>Drains or deletes one infra-set the plan no longer keeps.</summary>
    /// <param name="state">The environment state.</param>
    /// <param name="warmCount">How many promoted infra-sets stay warm besides the last known good.</param>
    /// <param name="key">Makes the idempotency key of a provider call from its suffix.</param>
    /// <returns>The new state and a timeline line, or <see langword="null"/> when nothing is left to do.</returns>
    public static async Task<(EnvironmentState State, string Kind, string Message)?> StepAsync(EnvironmentState state, int warmCount, Func<string, string> key)
    {
        var plan = RetentionPlanner.Plan(state, warmCount);
        if (plan.Drain.Count > 0)
        {
            var id = plan.Drain[0];
            var why = plan.Decisions.First(d => d.InfraSetId == id).Reason;
            var timeout = DeliveryWorkflow.DrainTimeout;
            var drained = await Workflow.ExecuteActivityAsync(
                (IDeliveryActivities a) => a.DrainAsync(state.Environment, id, timeout, key($"drain-{id}")),
                WithStartToClose(DeleteOptions, timeout + TimeSpan.FromSeconds(30)));
            return (EnvironmentTransitions.Upsert(state, state.Find(id)! with { Status = InfraSetStatus.Drained }), "Drained", $"drained {id} ({why}; {drained})");
        }

        if (plan.Delete.Count > 0)
        {
            var id = plan.Delete[0];
            await Workflow.ExecuteActivityAsync((IDeliveryActivities a) => a.DeleteInfraSetAsync(id, key($"delete-{id}")), DeleteOptions);
            return (EnvironmentTransitions.Upsert(state, state.Find(id)! with { Status = InfraSetStatus.Deleted }), "Deleted", $"deleted {id}");
        }

        return null;
    }
}
