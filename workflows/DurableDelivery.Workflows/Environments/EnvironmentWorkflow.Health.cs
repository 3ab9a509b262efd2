using DurableDelivery.Domain.Traffic;
using Temporalio.Exceptions;
using Temporalio.Workflows;
using DurableDelivery.Workflows.Delivery;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Workflows.Environments;

/// <summary>
/// The health check of kept infra-sets: between deliveries, every <c>healthCheckInterval</c>, the environment reads the
/// health of each infra-set it keeps (warm or found unhealthy before) so a dead rollback target shows in status before
/// anyone needs a rollback.
/// </summary>
/// <remarks>
/// <para>Not while a delivery runs: the delivery owns the environment's state then (its reports replace it), watches its
/// own infra-set, and compares it with the stable one; the first idle pass after it ends runs the check that fell due
/// meanwhile.</para>
/// <para>Only a change of warmth is written to the timeline; a check that finds nothing new adds only its timer and its
/// activities to history, and after <see cref="HealthChecksPerRun"/> checks an idle environment continues as new.</para>
/// </remarks>
public sealed partial class EnvironmentWorkflow
{
    /// <summary>
    /// How many health checks one run makes before it continues as new while idle: each check adds about 8 events plus 3
    /// per kept infra-set, so a run stays near a thousand events whatever the interval.
    /// </summary>
    public const int HealthChecksPerRun = 60;

    private static readonly ActivityOptions DescribeOptions = new()
    {
        // Bounded: a hung provider holds the main loop (and so an override that arrives meanwhile) for at most this long.
        ScheduleToCloseTimeout = TimeSpan.FromSeconds(15),
        StartToCloseTimeout = TimeSpan.FromSeconds(5),
        RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(500), MaximumInterval = TimeSpan.FromSeconds(2), MaximumAttempts = 3 },
    };

    private bool? watchingHealth;
    private DateTimeOffset nextHealthCheckAt;
    private int healthChecks;

    /// <summary>Whether this run checks kept infra-sets (memoized: a run recorded before the check replays without it).</summary>
    private bool WatchesHealth()
    {
        if (watchingHealth is null)
        {
            watchingHealth = Workflow.Patched(Patches.EnvironmentWatchesKeptInfraSets);
            nextHealthCheckAt = Now + declaration.HealthCheckInterval;
        }

        return watchingHealth.Value;
    }

    private bool HealthCheckBudgetSpent() => watchingHealth == true && healthChecks >= HealthChecksPerRun;

    private async Task CheckKeptInfraSetsAsync()
    {
        healthChecks++;
        var kept = state.Existing.Where(s => s.Status is InfraSetStatus.Healthy or InfraSetStatus.Unhealthy).Select(s => s.Id).ToArray();
        var seen = await Workflow.WhenAllAsync([.. kept.Select(DescribeAsync)]);
        var warningBefore = state.RollbackTargetWarning();
        foreach (var found in seen.OfType<ProvisionedInfraSet>())
        {
            var before = state.Find(found.Id);
            state = EnvironmentTransitions.RecordHealthCheck(state, found.Id, found.Healthy, string.IsNullOrEmpty(found.Message) ? found.Status : $"{found.Status}: {found.Message}", Now);
            if (before is null || state.Find(found.Id) is not { } after || before.IsWarm == after.IsWarm)
            {
                continue;
            }

            Note(
                after.IsWarm ? "InfraSetWarmAgain" : "InfraSetUnhealthy",
                after.IsWarm ? $"{found.Id} is healthy again ({after.HealthCheck}): warm" : $"{found.Id} is not warm: {after.HealthCheck}; it is kept while it may recover");
        }

        if (state.RollbackTargetWarning() is { } warning && warning != warningBefore)
        {
            Note(warning.Code, warning.Message);
        }
        else if (warningBefore is not null && state.RollbackTargetWarning() is null)
        {
            Note("RollbackTargetWarm", $"the rollback target is warm again: {state.DefaultRollbackTarget() ?? "none"}");
        }

        nextHealthCheckAt = Now + declaration.HealthCheckInterval;
    }

    /// <summary>Reads one infra-set's health; a provider that cannot answer is no finding (the infra-set keeps its status).</summary>
    private async Task<ProvisionedInfraSet?> DescribeAsync(string infraSetId)
    {
        try
        {
            return await Workflow.ExecuteActivityAsync((IDeliveryActivities a) => a.DescribeInfraSetAsync(infraSetId), DescribeOptions);
        }
        catch (ActivityFailureException e)
        {
            Workflow.Logger.LogWarning("env/{Environment} could not check the health of {InfraSetId}: {Error}", Name, infraSetId, e.InnerException?.Message ?? e.Message);
            return null;
        }
    }
}
