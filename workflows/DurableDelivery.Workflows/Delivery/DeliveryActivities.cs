using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Traffic;
using Temporalio.Activities;
using Temporalio.Exceptions;
using DurableDelivery.Providers;
using ProviderStatus = DurableDelivery.Providers.InfraSetStatus;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>
/// <see cref="IDeliveryActivities"/> on an <see cref="IInfraProvider"/> (the local provider here, AWS later). Thin:
/// each activity is one provider call, with the provider's refusals turned into non-retryable failures.
/// </summary>
/// <param name="provider">The provider every environment of this worker uses.</param>
public sealed class DeliveryActivities(IInfraProvider provider) : IDeliveryActivities
{
    /// <inheritdoc/>
    [Activity]
    public Task<int> EnsureListenerAsync(string environment, int port) => Call(async ct =>
        (await provider.EnsureListenerAsync(new ListenerSpec { Environment = environment, Port = port }, $"env/{environment}/listener/{port}", ct).ConfigureAwait(false)).Port);

    /// <inheritdoc/>
    [Activity]
    public Task<ProvisionedInfraSet> CreateInfraSetAsync(string environment, string artifact, int instances, string idempotencyKey) => Call(async ct =>
    {
        var spec = new InfraSetSpec { Environment = environment, ArtifactId = artifact, InstanceCount = instances };
        return Reduce(await provider.CreateInfraSetAsync(spec, idempotencyKey, ct).ConfigureAwait(false));
    });

    /// <inheritdoc/>
    [Activity]
    public Task<ProvisionedInfraSet> WaitHealthyAsync(string infraSetId, TimeSpan timeout) => Call(async ct =>
        Reduce(await provider.WaitHealthyAsync(infraSetId, timeout, ct).ConfigureAwait(false)));

    /// <inheritdoc/>
    [Activity]
    public Task<ProvisionedInfraSet> DescribeInfraSetAsync(string infraSetId) => Call(async ct =>
        await provider.DescribeInfraSetAsync(infraSetId, ct).ConfigureAwait(false) is { } info
            ? Reduce(info)
            : new ProvisionedInfraSet(infraSetId, string.Empty, false, "NotFound", $"the provider has no infra-set '{infraSetId}'"));

    /// <inheritdoc/>
    [Activity]
    // An infra-set the provider finds unhealthy is a final answer here, not a reason to retry: a rollback or a step must
    // not hang until the infra-set recovers and then move traffic by itself; the workflow refuses or rolls back instead.
    public Task<TrafficWeights> SetWeightsAsync(string environment, TrafficWeights weights, string idempotencyKey) => Call(async ct =>
    {
        try
        {
            var applied = await provider.SetWeightsAsync(environment, weights.Weights, idempotencyKey, ct).ConfigureAwait(false);
            return new TrafficWeights { Weights = applied.Weights };
        }
        catch (InfraProviderException e) when (e.Reason == InfraProviderErrorReason.InfraSetNotHealthy)
        {
            throw new ApplicationFailureException(e.Message, e, e.Reason.ToString(), nonRetryable: true);
        }
    });

    /// <inheritdoc/>
    [Activity]
    public Task<GateSamples> CollectGateSamplesAsync(string environment, string canaryInfraSetId, string stableInfraSetId, TimeSpan window, GateSettings settings) => Call(async ct =>
    {
        var max = provider.Capabilities.MaxMetricsWindow;
        var span = window > max ? max : window;
        var canary = await provider.GetMetricsAsync(environment, canaryInfraSetId, span, ct).ConfigureAwait(false);
        var stable = await provider.GetMetricsAsync(environment, stableInfraSetId, span, ct).ConfigureAwait(false);
        var unavailable = canary.Availability != MetricsAvailability.Available || stable.Availability != MetricsAvailability.Available
            ? $"the provider cannot measure traffic (canary {canary.Availability}, stable {stable.Availability})"
            : null;
        var samples = settings.Metrics.Select(m => new MetricSamples
        {
            Kind = m.Kind,
            Canary = unavailable is null ? Series(canary, m.Kind) : [],
            Baseline = unavailable is null ? Series(stable, m.Kind) : [],
        }).ToArray();
        return new GateSamples { Samples = samples, CanaryRequests = canary.Totals.Requests, StableRequests = stable.Totals.Requests, Unavailable = unavailable };
    });

    /// <inheritdoc/>
    [Activity]
    public Task<string> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey) => Call(async ct =>
        (await provider.DrainAsync(environment, infraSetId, timeout, idempotencyKey, ct).ConfigureAwait(false)).Status.ToString());

    /// <inheritdoc/>
    [Activity]
    public Task DeleteInfraSetAsync(string infraSetId, string idempotencyKey) => Call(async ct =>
    {
        await provider.DeleteInfraSetAsync(infraSetId, idempotencyKey, ct).ConfigureAwait(false);
        return true;
    });

    /// <summary>Per-second values of one metric; seconds without requests carry no value and are left out.</summary>
    private static double[] Series(TrafficMetrics metrics, MetricKind kind) => kind switch
    {
        MetricKind.ErrorRate => [.. metrics.Series.Where(s => s.ErrorRate is not null).Select(s => s.ErrorRate!.Value)],
        MetricKind.LatencyP99 => [.. metrics.Series.Where(s => s.Requests > 0 && s.LatencyP99Ms is not null).Select(s => s.LatencyP99Ms!.Value)],
        _ => [],
    };

    private static ProvisionedInfraSet Reduce(InfraSetInfo info) =>
        new(info.Id, info.Spec.ArtifactId, info.Status == ProviderStatus.Healthy, info.Status.ToString(), info.StatusMessage);

    /// <summary>Runs a provider call; a refusal retrying cannot fix becomes a non-retryable failure typed by its reason.</summary>
    private static async Task<T> Call<T>(Func<CancellationToken, Task<T>> call)
    {
        var ct = ActivityExecutionContext.HasCurrent ? ActivityExecutionContext.Current.CancellationToken : CancellationToken.None;
        try
        {
            return await call(ct).ConfigureAwait(false);
        }
        catch (InfraProviderException e) when (!e.IsRetryable)
        {
            throw new ApplicationFailureException(e.Message, e, e.Reason.ToString(), nonRetryable: true);
        }
    }
}
