namespace DurableDelivery.Providers.Aws;

/// <summary>
/// One <see cref="IInfraProvider"/> for a worker that serves environments of two providers: calls for an environment
/// the
/// AWS settings name go to the <see cref="AwsInfraProvider"/>, every other call to the fallback (the local provider).
/// </summary>
/// <remarks>
/// <para>Calls that name only an infra-set id are routed by the id's prefix: AWS infra-set ids start with
/// <c>&lt;environment&gt;-</c> (<see cref="AwsNames.InfraSetId"/>), so an id that starts with the name of an AWS
/// environment followed by <c>-</c> goes to AWS. Environment names that prefix each other across the two providers
/// (<c>prod</c> on AWS, <c>prod-eu</c> locally) are refused at construction.</para>
/// <para><see cref="Capabilities"/> reports the larger metrics window of the two; <see cref="GetMetricsAsync"/>
/// shortens a
/// window to what the routed provider answers for, so the delivery activities need no change.</para>
/// </remarks>
public sealed class EnvironmentRoutedProvider : IInfraProvider
{
    private readonly IInfraProvider fallback;
    private readonly AwsInfraProvider aws;
    private readonly IReadOnlyList<string> awsEnvironments;

    /// <summary>Initializes a new instance of the <see cref="EnvironmentRoutedProvider"/> class.</summary>
    /// <param name="fallback">The provider of every environment the AWS settings do not name.</param>
    /// <param name="aws">The AWS provider; its settings' environments are routed to it.</param>
    /// <param name="fallbackEnvironments">Environments known to use the fallback, checked for prefix clashes with AWS
    /// ones.</param>
    /// <exception cref="InfraRequestRejectedException">An AWS environment's name followed by '-' starts another
    /// environment's name.</exception>
    public EnvironmentRoutedProvider(IInfraProvider fallback, AwsInfraProvider aws, IEnumerable<string>? fallbackEnvironments = null)
    {
        this.fallback = fallback;
        this.aws = aws;
        awsEnvironments = [.. aws.Options.Environments.Keys.OrderByDescending(k => k.Length)];
        var all = awsEnvironments.Concat(fallbackEnvironments ?? []).Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in awsEnvironments)
        {
            if (all.FirstOrDefault(other => other != name && other.StartsWith(name + "-", StringComparison.Ordinal)) is { } clash)
            {
                throw new InfraRequestRejectedException(InfraProviderErrorReason.InvalidSpec,
                    $"Environment names '{name}' (aws) and '{clash}' cannot be told apart by infra-set id; "
                    + "rename one so that neither is the other's prefix followed by '-'.");
            }
        }
    }

    /// <inheritdoc />
    public InfraProviderCapabilities Capabilities => fallback.Capabilities with
    {
        Name = $"{fallback.Capabilities.Name}+aws",
        MaxMetricsWindow = fallback.Capabilities.MaxMetricsWindow > aws.Capabilities.MaxMetricsWindow ? fallback.Capabilities.MaxMetricsWindow : aws.Capabilities.MaxMetricsWindow,
        PerSecondMetrics = fallback.Capabilities.PerSecondMetrics && aws.Capabilities.PerSecondMetrics,
        LatencyPercentiles = fallback.Capabilities.LatencyPercentiles && aws.Capabilities.LatencyPercentiles,
        ObservableDrain = fallback.Capabilities.ObservableDrain && aws.Capabilities.ObservableDrain,
    };

    /// <summary>Gets the provider that serves an environment.</summary>
    /// <param name="environment">The environment name.</param>
    /// <returns>The AWS provider or the fallback.</returns>
    public IInfraProvider ForEnvironment(string environment) =>
        awsEnvironments.Contains(environment, StringComparer.Ordinal) ? aws : fallback;

    /// <summary>Gets the provider that owns an infra-set, by its id's environment prefix.</summary>
    /// <param name="infraSetId">The infra-set id.</param>
    /// <returns>The AWS provider or the fallback.</returns>
    public IInfraProvider ForInfraSet(string infraSetId) =>
        awsEnvironments.Any(e => infraSetId.StartsWith(e + "-", StringComparison.Ordinal)) ? aws : fallback;

    /// <inheritdoc />
    public Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ForEnvironment(spec.Environment).EnsureListenerAsync(spec, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ForEnvironment(spec.Environment).CreateInfraSetAsync(spec, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<InfraSetInfo> WaitHealthyAsync(string infraSetId, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ForInfraSet(infraSetId).WaitHealthyAsync(infraSetId, timeout, cancellationToken);

    /// <inheritdoc />
    public Task<InfraSetInfo?> DescribeInfraSetAsync(string infraSetId, CancellationToken cancellationToken = default) =>
        ForInfraSet(infraSetId).DescribeInfraSetAsync(infraSetId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<InfraSetInfo>> ListInfraSetsAsync(string environment, CancellationToken cancellationToken = default) =>
        ForEnvironment(environment).ListInfraSetsAsync(environment, cancellationToken);

    /// <inheritdoc />
    public Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> weights, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ForEnvironment(environment).SetWeightsAsync(environment, weights, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<ListenerWeights> GetWeightsAsync(string environment, CancellationToken cancellationToken = default) =>
        ForEnvironment(environment).GetWeightsAsync(environment, cancellationToken);

    /// <inheritdoc />
    public Task<TrafficMetrics> GetMetricsAsync(string environment, string infraSetId, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var provider = ForEnvironment(environment);
        var max = provider.Capabilities.MaxMetricsWindow;
        return provider.GetMetricsAsync(environment, infraSetId, window > max ? max : window, cancellationToken);
    }

    /// <inheritdoc />
    public Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ForEnvironment(environment).DrainAsync(environment, infraSetId, timeout, idempotencyKey, cancellationToken);

    /// <inheritdoc />
    public Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        ForInfraSet(infraSetId).DeleteInfraSetAsync(infraSetId, idempotencyKey, cancellationToken);
}
