namespace DurableDelivery.Providers;

/// <summary>
/// The infrastructure seam: immutable infra-sets (one version of one artifact on N instances) behind one weighted
/// listener per environment. Implemented locally by processes behind a loopback proxy and on AWS by an Auto Scaling
/// group plus a target group behind an ALB listener that forwards with weights.
/// </summary>
/// <remarks>
/// <para>Every mutating call takes a caller-supplied idempotency key, because activities are retried: repeating a call
/// with the same key and the same request returns the first call's result and changes nothing; reusing a key for a
/// different request is rejected with <see cref="InfraProviderErrorReason.IdempotencyKeyConflict"/>.</para>
/// <para>Rejected input throws an <see cref="InfraProviderException"/> whose <see cref="InfraProviderException.Reason"/>
/// names the problem and whose message says how to fix it; a rejected call changes nothing. Callers branch on
/// <see cref="InfraProviderException.Reason"/> and <see cref="InfraProviderException.IsRetryable"/>, never on messages.</para>
/// <para>What a provider cannot do is an explicit answer, never an exception: see <see cref="Capabilities"/>,
/// <see cref="TrafficMetrics.Availability"/> and <see cref="DrainResult.Status"/>.</para>
/// </remarks>
public interface IInfraProvider
{
    /// <summary>Gets what this provider supports, so callers can plan without trying and failing.</summary>
    InfraProviderCapabilities Capabilities { get; }

    /// <summary>
    /// Makes sure the environment's listener exists (locally: a loopback port; on AWS: verifies the configured ALB
    /// listener). A listener that exists with the same port is returned unchanged.
    /// </summary>
    /// <param name="spec">The listener to ensure.</param>
    /// <param name="idempotencyKey">Caller-supplied key; the same key with the same spec returns the same listener.</param>
    /// <param name="cancellationToken">Cancels the wait, not necessarily the provider-side change.</param>
    /// <returns>The listener as applied, with its actual port and current weights.</returns>
    /// <exception cref="InfraProviderException">
    /// <see cref="InfraProviderErrorReason.PortInUse"/>, <see cref="InfraProviderErrorReason.ListenerConflict"/>,
    /// <see cref="InfraProviderErrorReason.InvalidSpec"/>, <see cref="InfraProviderErrorReason.IdempotencyKeyConflict"/>.
    /// </exception>
    Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Creates a fresh, immutable infra-set from <paramref name="spec"/> and starts its instances.</summary>
    /// <param name="spec">The immutable declaration of the infra-set.</param>
    /// <param name="idempotencyKey">The same key with an equal spec returns the same infra-set; a different spec is rejected.</param>
    /// <param name="cancellationToken">Cancels the wait, not necessarily the provider-side change.</param>
    /// <returns>The new infra-set; it is usually still <see cref="InfraSetStatus.Starting"/>: call <see cref="WaitHealthyAsync"/>.</returns>
    /// <exception cref="InfraProviderException">
    /// <see cref="InfraProviderErrorReason.ArtifactNotFound"/>, <see cref="InfraProviderErrorReason.InvalidSpec"/>,
    /// <see cref="InfraProviderErrorReason.IdempotencyKeyConflict"/>.
    /// </exception>
    Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until every instance of the infra-set passes its health check, or until <paramref name="timeout"/> passes.
    /// </summary>
    /// <param name="infraSetId">The infra-set to wait for.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// The infra-set as last seen. A timeout is an answer, not an error: check <see cref="InfraSetInfo.Status"/>
    /// (<see cref="InfraSetStatus.Healthy"/> or not) and <see cref="InfraSetInfo.StatusMessage"/>.
    /// </returns>
    /// <exception cref="InfraProviderException"><see cref="InfraProviderErrorReason.UnknownInfraSet"/>.</exception>
    Task<InfraSetInfo> WaitHealthyAsync(string infraSetId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Describes one infra-set, including deleted ones (as <see cref="InfraSetStatus.Deleted"/>).</summary>
    /// <param name="infraSetId">The infra-set id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The infra-set, or <see langword="null"/> when no infra-set of that id was ever created.</returns>
    Task<InfraSetInfo?> DescribeInfraSetAsync(string infraSetId, CancellationToken cancellationToken = default);

    /// <summary>Lists the infra-sets of an environment that are not deleted, oldest first.</summary>
    /// <param name="environment">The environment name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The infra-sets, oldest first.</returns>
    Task<IReadOnlyList<InfraSetInfo>> ListInfraSetsAsync(string environment, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the whole weight table of the environment's listener: infra-sets not named receive no traffic.
    /// New requests follow the new weights at once; requests in flight finish where they started.
    /// </summary>
    /// <param name="environment">The environment whose listener changes.</param>
    /// <param name="weights">Weight per infra-set id, integers 0 to <see cref="InfraProviderCapabilities.MaxWeight"/>, summing to a positive total.
    /// Every infra-set with a positive weight must be healthy.</param>
    /// <param name="idempotencyKey">The same key with the same weights returns the first result; different weights are rejected.</param>
    /// <param name="cancellationToken">Cancels the wait, not necessarily the provider-side change.</param>
    /// <returns>The weights actually applied, read back from the listener.</returns>
    /// <exception cref="InfraProviderException">
    /// <see cref="InfraProviderErrorReason.UnknownListener"/>, <see cref="InfraProviderErrorReason.InvalidWeights"/>,
    /// <see cref="InfraProviderErrorReason.UnknownInfraSet"/>, <see cref="InfraProviderErrorReason.InfraSetNotHealthy"/>,
    /// <see cref="InfraProviderErrorReason.IdempotencyKeyConflict"/>.
    /// </exception>
    Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> weights, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Reads back the weights the environment's listener applies now.</summary>
    /// <param name="environment">The environment name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The applied weights.</returns>
    /// <exception cref="InfraProviderException"><see cref="InfraProviderErrorReason.UnknownListener"/>.</exception>
    Task<ListenerWeights> GetWeightsAsync(string environment, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the traffic the environment's listener sent to one infra-set over the last <paramref name="window"/>:
    /// totals and a per-second series (for rank tests such as Mann-Whitney between a new and a stable infra-set).
    /// </summary>
    /// <param name="environment">The environment whose listener measured the traffic.</param>
    /// <param name="infraSetId">The infra-set.</param>
    /// <param name="window">How far back to look; at most <see cref="InfraProviderCapabilities.MaxMetricsWindow"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The metrics; <see cref="TrafficMetrics.Availability"/> says when the provider cannot measure.</returns>
    /// <exception cref="InfraProviderException">
    /// <see cref="InfraProviderErrorReason.UnknownListener"/>, <see cref="InfraProviderErrorReason.UnknownInfraSet"/>.
    /// </exception>
    Task<TrafficMetrics> GetMetricsAsync(string environment, string infraSetId, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the environment's listener has no request in flight to an infra-set that no longer takes new traffic.
    /// </summary>
    /// <param name="environment">The environment name.</param>
    /// <param name="infraSetId">An infra-set with weight 0 (or absent) on that listener.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="idempotencyKey">Caller-supplied key (draining is naturally repeatable; the key is recorded).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the infra-set drained, timed out, or the provider cannot observe draining.</returns>
    /// <exception cref="InfraProviderException">
    /// <see cref="InfraProviderErrorReason.InfraSetTakesTraffic"/> when its weight is still positive,
    /// <see cref="InfraProviderErrorReason.UnknownListener"/>, <see cref="InfraProviderErrorReason.UnknownInfraSet"/>.
    /// </exception>
    Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Stops and deletes an infra-set that takes no traffic. Deleting a deleted infra-set succeeds.</summary>
    /// <param name="infraSetId">The infra-set to delete.</param>
    /// <param name="idempotencyKey">Caller-supplied key.</param>
    /// <param name="cancellationToken">Cancels the wait, not necessarily the provider-side change.</param>
    /// <returns>The infra-set as deleted.</returns>
    /// <exception cref="InfraProviderException">
    /// <see cref="InfraProviderErrorReason.InfraSetTakesTraffic"/> when a listener still gives it a positive weight,
    /// <see cref="InfraProviderErrorReason.UnknownInfraSet"/>.
    /// </exception>
    Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string idempotencyKey, CancellationToken cancellationToken = default);
}
