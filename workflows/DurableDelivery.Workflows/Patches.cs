using DurableDelivery.Domain.Traffic;
using Temporalio.Workflows;

namespace DurableDelivery.Workflows;

/// <summary>
/// The <c>Workflow.Patched</c> ids of changes that emit other commands than the code before them, so runs recorded
/// before a change replay on the old path and new progress takes the new one (Temporal's versioning). Remove a patch's
/// old path only once no run recorded without its marker can still be replayed.
/// </summary>
internal static class Patches
{
    /// <summary>
    /// A rollback retires only what it rolls back from (the delivery's infra-set, never-promoted infra-sets, the last
    /// known good it leaves); other promoted infra-sets that took traffic stay warm. Before: everything that took
    /// traffic was retired, and retention drained and deleted it.
    /// </summary>
    public const string RollbackKeepsPromotedWarm = "rollback-keeps-promoted-warm";

    /// <summary>
    /// A bake reads the new infra-set's health every <c>HealthySlice</c> (activity <c>DescribeInfraSet</c>) and rolls
    /// back when it stays unhealthy longer than <c>UnhealthyGrace</c>. Before: health was checked only before the first
    /// traffic step.
    /// </summary>
    public const string BakeWatchesHealth = "bake-watches-health";

    /// <summary>
    /// Between deliveries the environment reads the health of every infra-set it keeps (activity <c>DescribeInfraSet</c>)
    /// each <c>healthCheckInterval</c>, waiting for it with a durable timer, and continues as new after
    /// <c>EnvironmentWorkflow.HealthChecksPerRun</c> checks. Before: it waited without a timer until a request, an
    /// override or cleanup came, and never re-checked kept infra-sets.
    /// </summary>
    public const string EnvironmentWatchesKeptInfraSets = "env-watches-kept-infra-sets";

    /// <summary>A rollback under the rule this run follows (<see cref="RollbackKeepsPromotedWarm"/>, or the rule before it on replay).</summary>
    /// <param name="state">The state.</param>
    /// <param name="target">The warm infra-set that takes all traffic.</param>
    /// <returns>The new state.</returns>
    public static EnvironmentState RollBack(EnvironmentState state, string target) =>
        Workflow.Patched(RollbackKeepsPromotedWarm)
            ? EnvironmentTransitions.RollBack(state, target)
            : EnvironmentTransitions.RollBackRetiringAllThatTookTraffic(state, target);
}
