using System.Globalization;
using DurableDelivery.Providers.Aws.LoadBalancing;
using DurableDelivery.Providers.Aws.Query;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws;

/// <summary>Weights: the listener's default <c>forward</c> action with weighted target groups, read back after every
/// change.</summary>
public sealed partial class AwsInfraProvider
{
    /// <summary>The most target groups one ALB forward action takes.</summary>
    internal const int MaxForwardTargetGroups = 5;

    /// <inheritdoc />
    /// <remarks>
    /// The last change's key, weight digest, revision and time are tags on the listener, so a retry with the same key
    /// and weights returns the same revision without changing anything. Only the most recent key is remembered there.
    /// </remarks>
    public Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> weights, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            RequireKey(idempotencyKey);
            ValidateWeights(weights);
            var (env, listener) = await ListenerOfAsync(environment, cancellationToken).ConfigureAwait(false);
            var tags = await ListenerTagsAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
            var digest = AwsNames.WeightsDigest(weights);
            if (tags.GetValueOrDefault(AwsNames.WeightsKeyTag) == AwsNames.KeyValue(idempotencyKey))
            {
                return tags.GetValueOrDefault(AwsNames.WeightsDigestTag) == digest
                    ? await ReadWeightsAsync(environment, listener, cancellationToken).ConfigureAwait(false)
                    : throw Rejected(InfraProviderErrorReason.IdempotencyKeyConflict,
                        $"Environment '{environment}': "
                        + $"idempotency key '{idempotencyKey}' was used for other weights; "
                        + "use a new key for a new weight table.");
            }

            var forward = new List<WeightedTargetGroup>();
            foreach (var (infraSetId, weight) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                var info = await DescribeCoreAsync(infraSetId, cancellationToken).ConfigureAwait(false);
                if (info is null || info.Status == InfraSetStatus.Deleted || info.Spec.Environment != environment)
                {
                    throw Rejected(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set {infraSetId} does not exist in environment '{environment}'{(info?.Status == InfraSetStatus.Deleted ? " (it was deleted)" : string.Empty)}; name only infra-sets of this environment.");
                }

                if (weight > 0 && info.Status != InfraSetStatus.Healthy)
                {
                    throw Rejected(InfraProviderErrorReason.InfraSetNotHealthy,
                        $"Infra-set {infraSetId} is {info.Status} ({info.StatusMessage}); "
                        + $"wait until it is healthy before giving it weight {weight}.");
                }

                var targetGroup = await clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(infraSetId), cancellationToken).ConfigureAwait(false)
                    ?? throw Rejected(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set {infraSetId} has no target group; retry its create with the same key.");
                forward.Add(new WeightedTargetGroup(targetGroup.Arn, weight));
            }

            await clients.LoadBalancing.ModifyListenerForwardAsync(env.ListenerArn, forward, cancellationToken).ConfigureAwait(false);
            var revision = await RecordWeightChangeAsync(
                env.ListenerArn,
                tags,
                new Dictionary<string, string> { [AwsNames.WeightsKeyTag] = AwsNames.KeyValue(idempotencyKey), [AwsNames.WeightsDigestTag] = digest },
                cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Environment {Environment}: weights {Weights} (revision {Revision})", environment, Describe(weights), revision);
            return await ReadBackAsync(environment, env, weights, cancellationToken).ConfigureAwait(false);
        });

    /// <inheritdoc />
    public Task<ListenerWeights> GetWeightsAsync(string environment, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var (_, listener) = await ListenerOfAsync(environment, cancellationToken).ConfigureAwait(false);
            return await ReadWeightsAsync(environment, listener, cancellationToken).ConfigureAwait(false);
        });

    private static void ValidateWeights(IReadOnlyDictionary<string, int> weights)
    {
        foreach (var (id, weight) in weights)
        {
            if (weight is < 0 or > 999)
            {
                throw Rejected(InfraProviderErrorReason.InvalidWeights, $"Weight {weight} for {id} is out of range; an ALB forward action takes 0-999.");
            }
        }

        if (weights.Values.Sum() <= 0)
        {
            throw Rejected(InfraProviderErrorReason.InvalidWeights, "The weights sum to 0; give at least one healthy infra-set a positive weight.");
        }

        if (weights.Count > MaxForwardTargetGroups)
        {
            throw Rejected(InfraProviderErrorReason.InvalidWeights,
                $"{weights.Count} infra-sets named; "
                + $"an ALB forward action takes at most {MaxForwardTargetGroups} target groups: "
                + "leave out infra-sets with weight 0.");
        }
    }

    /// <summary>The environment's settings and its listener; <see cref="InfraProviderErrorReason.UnknownListener"/>
    /// when either is missing.</summary>
    private async Task<(AwsEnvironmentOptions Env, Listener Listener)> ListenerOfAsync(string environment, CancellationToken cancellationToken)
    {
        if (!options.Environments.TryGetValue(environment, out var env))
        {
            throw Rejected(InfraProviderErrorReason.UnknownListener,
                $"Environment '{environment}' is not configured for the aws provider; "
                + "add it under 'environments' in the AWS provider settings.");
        }

        try
        {
            return (env, await clients.LoadBalancing.DescribeListenerAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false));
        }
        catch (AwsQueryException e) when (e.Code is "ListenerNotFound" or "ValidationError")
        {
            throw Rejected(InfraProviderErrorReason.UnknownListener,
                $"Environment '{environment}': listener {env.ListenerArn} does not exist; "
                + "set 'listener.arn' to the stack's ListenerArn output.");
        }
    }

    /// <summary>Polls the listener until it reports exactly the requested weights (ALB publishes no propagation
    /// time).</summary>
    private async Task<ListenerWeights> ReadBackAsync(string environment, AwsEnvironmentOptions env, IReadOnlyDictionary<string, int> wanted, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.ReadBackTimeout;
        while (true)
        {
            var listener = await clients.LoadBalancing.DescribeListenerAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
            var read = await ReadWeightsAsync(environment, listener, cancellationToken).ConfigureAwait(false);
            if (read.Weights.Count == wanted.Count && wanted.All(w => read.Weights.TryGetValue(w.Key, out var v) && v == w.Value))
            {
                return read;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new InfraProviderException(InfraProviderErrorReason.Internal,
                    $"Environment '{environment}': "
                    + $"the listener reports {Describe(read.Weights)} instead of {Describe(wanted)} after "
                    + $"{options.ReadBackTimeout.TotalSeconds:0} s; retry with the same key.");
            }

            await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The weights a listener applies, by infra-set id (target groups without the infra-set tag are left
    /// out).</summary>
    private async Task<ListenerWeights> ReadWeightsAsync(string environment, Listener listener, CancellationToken cancellationToken)
    {
        var arns = listener.Forward.Select(f => f.TargetGroupArn).Append(listener.Arn).ToList();
        var tags = await clients.LoadBalancing.DescribeTagsAsync(arns, cancellationToken).ConfigureAwait(false);
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var target in listener.Forward)
        {
            if (tags.GetValueOrDefault(target.TargetGroupArn)?.GetValueOrDefault(AwsNames.InfraSetTag) is { } id)
            {
                weights[id] = target.Weight;
            }
            else
            {
                logger.LogDebug(
                    "Listener {Listener} forwards to {TargetGroup}, which is no infra-set; "
                    + "left out of the weights", listener.Arn, target.TargetGroupArn);
            }
        }

        var listenerTags = tags.GetValueOrDefault(listener.Arn) ?? new Dictionary<string, string>();
        return new ListenerWeights
        {
            Environment = environment,
            Weights = weights,
            Revision = long.TryParse(listenerTags.GetValueOrDefault(AwsNames.WeightsRevisionTag), NumberStyles.Integer, CultureInfo.InvariantCulture, out var revision) ? revision : 0,
            AppliedAt = DateTimeOffset.TryParse(listenerTags.GetValueOrDefault(AwsNames.WeightsAppliedAtTag), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null,
        };
    }

    /// <summary>Bumps the listener's revision tag (and records <paramref name="extra"/> tags with it); returns the new
    /// revision.</summary>
    private async Task<long> RecordWeightChangeAsync(string listenerArn, IReadOnlyDictionary<string, string> tags, Dictionary<string, string> extra, CancellationToken cancellationToken)
    {
        var revision = (long.TryParse(tags.GetValueOrDefault(AwsNames.WeightsRevisionTag), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 0) + 1;
        extra[AwsNames.WeightsRevisionTag] = revision.ToString(CultureInfo.InvariantCulture);
        extra[AwsNames.WeightsAppliedAtTag] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await clients.LoadBalancing.AddTagsAsync(listenerArn, extra, cancellationToken).ConfigureAwait(false);
        return revision;
    }

    private static string Describe(IReadOnlyDictionary<string, int> weights) =>
        "{" + string.Join(", ", weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}: {w.Value}")) + "}";
}
