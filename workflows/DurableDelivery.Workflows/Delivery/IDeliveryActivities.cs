using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Traffic;
using Temporalio.Activities;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// Everything the environment and delivery workflows do to the world, one activity per provider call. Every mutating
/// activity takes an idempotency key derived from the workflow's own id, so a retried or replayed call never creates
/// a second infra-set or applies weights twice.
/// </summary>
/// <remarks>
/// Provider failures that retrying cannot fix (unknown artifact, refused weights) surface as non-retryable
/// <c>ApplicationFailureException</c>s whose error type is the provider's reason code; a provider that is down or slow
/// is retried until it is back.
/// </remarks>
public interface IDeliveryActivities
{
    /// <summary>Makes sure the environment's listener exists.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="port">The listener port (local provider).</param>
    /// <returns>The port the listener serves on.</returns>
    [Activity]
    Task<int> EnsureListenerAsync(string environment, int port);

    /// <summary>Creates a fresh, immutable infra-set.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="artifact">The provider artifact.</param>
    /// <param name="instances">How many instances.</param>
    /// <param name="idempotencyKey">The key: the same key returns the same infra-set.</param>
    /// <returns>The infra-set, usually still starting.</returns>
    [Activity]
    Task<ProvisionedInfraSet> CreateInfraSetAsync(string environment, string artifact, int instances, string idempotencyKey);

    /// <summary>Waits up to <paramref name="timeout"/> for every instance of an infra-set to be healthy.</summary>
    /// <param name="infraSetId">The infra-set.</param>
    /// <param name="timeout">How long to wait in this call.</param>
    /// <returns>The infra-set as last seen; <see cref="ProvisionedInfraSet.Healthy"/> says whether it made it.</returns>
    [Activity]
    Task<ProvisionedInfraSet> WaitHealthyAsync(string infraSetId, TimeSpan timeout);

    /// <summary>Reads an infra-set's health as the provider sees it now, without waiting.</summary>
    /// <param name="infraSetId">The infra-set.</param>
    /// <returns>The infra-set; <see cref="ProvisionedInfraSet.Healthy"/> is false when any instance fails its health check or the provider has no such infra-set.</returns>
    /// <remarks>The delivery calls it every <see cref="DeliveryWorkflow.HealthySlice"/> of a bake, so a canary that stops being healthy after it took traffic is rolled back.</remarks>
    [Activity]
    Task<ProvisionedInfraSet> DescribeInfraSetAsync(string infraSetId);

    /// <summary>Replaces the listener's weights and reads them back.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="weights">The weights; every infra-set with a positive weight must be healthy.</param>
    /// <param name="idempotencyKey">The key of this traffic change.</param>
    /// <returns>The weights the listener applies now.</returns>
    [Activity]
    Task<TrafficWeights> SetWeightsAsync(string environment, TrafficWeights weights, string idempotencyKey);

    /// <summary>Reads per-second samples of the gate's metrics for a canary and its baseline over the last window.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="canaryInfraSetId">The new infra-set.</param>
    /// <param name="stableInfraSetId">The stable infra-set.</param>
    /// <param name="window">How far back to look.</param>
    /// <param name="settings">The gate settings (which metrics).</param>
    /// <returns>The samples.</returns>
    [Activity]
    Task<GateSamples> CollectGateSamplesAsync(string environment, string canaryInfraSetId, string stableInfraSetId, TimeSpan window, GateSettings settings);

    /// <summary>Waits until no request is in flight to an infra-set that no longer takes traffic.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="infraSetId">The infra-set, at weight 0.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="idempotencyKey">The key.</param>
    /// <returns><c>Drained</c>, <c>TimedOut</c> or <c>NotSupported</c>.</returns>
    [Activity]
    Task<string> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey);

    /// <summary>Stops and deletes an infra-set that takes no traffic; deleting a deleted one succeeds.</summary>
    /// <param name="infraSetId">The infra-set.</param>
    /// <param name="idempotencyKey">The key.</param>
    /// <returns>A completed task.</returns>
    [Activity]
    Task DeleteInfraSetAsync(string infraSetId, string idempotencyKey);
}
