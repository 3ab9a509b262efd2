using DurableDelivery.Providers.Aws.LoadBalancing;
using DurableDelivery.Providers.Aws.Query;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws;

/// <summary>Draining and deleting: scale the group to zero (the ALB drains with the deregistration delay), then
/// delete.</summary>
public sealed partial class AwsInfraProvider
{
    /// <inheritdoc />
    /// <remarks>
    /// An ALB does not report requests in flight per target group, so this answers <see
    /// cref="DrainStatus.NotSupported"/>
    /// once it has checked that the infra-set takes no traffic; the deletion drains through the target group's
    /// deregistration delay instead.
    /// </remarks>
    public Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            RequireKey(idempotencyKey);
            var weights = await GetWeightsAsync(environment, cancellationToken).ConfigureAwait(false);
            var info = await DescribeCoreAsync(infraSetId, cancellationToken).ConfigureAwait(false);
            if (info is null || info.Spec.Environment != environment)
            {
                throw Rejected(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set {infraSetId} does not exist in environment '{environment}'.");
            }

            if (weights.WeightOf(infraSetId) > 0)
            {
                throw Rejected(InfraProviderErrorReason.InfraSetTakesTraffic,
                    $"Infra-set {infraSetId} still has weight {weights.WeightOf(infraSetId)}; "
                    + "set its weight to 0 before draining it.");
            }

            return new DrainResult { Status = DrainStatus.NotSupported, InFlight = 0, Waited = TimeSpan.Zero };
        });

    /// <inheritdoc />
    /// <remarks>
    /// Removes the infra-set's (zero) entry from the listener, scales the group to zero so the ALB drains its instances
    /// with the deregistration delay, deletes the group, the header rule, the target group and the launch template
    /// version, and leaves a tombstone tag on the listener so later calls see it as
    /// <see cref="InfraSetStatus.Deleted"/>.
    /// </remarks>
    public Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            RequireKey(idempotencyKey);
            var groupName = AwsNames.GroupName(infraSetId);
            var group = (await clients.AutoScaling.DescribeAutoScalingGroupsAsync([groupName], null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            var targetGroup = await clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(infraSetId), cancellationToken).ConfigureAwait(false);
            var tags = group?.Tags
                ?? (targetGroup is null ? null : (await clients.LoadBalancing.DescribeTagsAsync([targetGroup.Arn], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(targetGroup.Arn));
            if (tags is null)
            {
                return await TombstoneAsync(infraSetId, cancellationToken).ConfigureAwait(false)
                    ?? throw Rejected(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set {infraSetId} does not exist; check the id (ddctl env status lists them).");
            }

            var spec = AwsNames.SpecFromTags(tags);
            var env = options.Environments.GetValueOrDefault(spec.Environment)
                ?? throw Rejected(InfraProviderErrorReason.UnknownInfraSet,
                    $"Infra-set {infraSetId} belongs to environment '{spec.Environment}', "
                    + "which this provider is not configured for.");
            if (targetGroup is not null)
            {
                await RemoveFromListenerAsync(infraSetId, env, targetGroup.Arn, cancellationToken).ConfigureAwait(false);
            }

            if (group is not null)
            {
                if (group.Status is null && group.DesiredCapacity > 0)
                {
                    await clients.AutoScaling.UpdateCapacityAsync(groupName, 0, cancellationToken).ConfigureAwait(false);
                }

                await WaitUntilAsync(
                    async () => (await clients.AutoScaling.DescribeAutoScalingGroupsAsync([groupName], null, cancellationToken).ConfigureAwait(false)).FirstOrDefault() is not { Instances.Count: > 0 },
                    $"the instances of group {groupName} to drain and terminate",
                    cancellationToken).ConfigureAwait(false);
                try
                {
                    await clients.AutoScaling.DeleteAutoScalingGroupAsync(groupName, cancellationToken).ConfigureAwait(false);
                }
                catch (AwsQueryException e) when (e.Code == "ValidationError" && e.AwsMessage.Contains("not found", StringComparison.OrdinalIgnoreCase))
                {
                    // Deleted by an earlier attempt.
                }

                await WaitUntilAsync(
                    async () => (await clients.AutoScaling.DescribeAutoScalingGroupsAsync([groupName], null, cancellationToken).ConfigureAwait(false)).Count == 0,
                    $"group {groupName} to be deleted",
                    cancellationToken).ConfigureAwait(false);
            }

            if (targetGroup is not null)
            {
                await DeleteRulesToAsync(env.ListenerArn, targetGroup.Arn, cancellationToken).ConfigureAwait(false);
                await clients.LoadBalancing.DeleteTargetGroupAsync(targetGroup.Arn, cancellationToken).ConfigureAwait(false);
            }

            var template = await clients.Ec2.DescribeLaunchTemplateAsync(env.LaunchTemplate, cancellationToken).ConfigureAwait(false);
            if (template is not null)
            {
                var description = AwsNames.TemplateVersionDescription(infraSetId);
                foreach (var version in (await clients.Ec2.DescribeLaunchTemplateVersionsAsync(template.Id, cancellationToken).ConfigureAwait(false)).Where(v => v.Description == description))
                {
                    await DeleteTemplateVersionAsync(template.Id, version.Version, cancellationToken).ConfigureAwait(false);
                }
            }

            var deletedAt = DateTimeOffset.UtcNow;
            await AddTombstoneAsync(env.ListenerArn, infraSetId, $"{spec.ArtifactId}{AwsNames.TombstoneSeparator}{deletedAt:O}{AwsNames.TombstoneSeparator}{tags.GetValueOrDefault(AwsNames.VersionTag, string.Empty)}", cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Infra-set {InfraSetId} deleted (key {Key})", infraSetId, idempotencyKey);
            return new InfraSetInfo
            {
                Id = infraSetId,
                Spec = spec,
                Version = tags.GetValueOrDefault(AwsNames.VersionTag, string.Empty),
                CreatedAt = group?.CreatedTime ?? default,
                Status = InfraSetStatus.Deleted,
                StatusMessage = $"deleted at {deletedAt:O}",
            };
        });

    /// <summary>Refuses when the listener gives the target group traffic; removes a zero entry (the listener must not
    /// name a deleted group).</summary>
    private async Task RemoveFromListenerAsync(string infraSetId, AwsEnvironmentOptions env, string targetGroupArn, CancellationToken cancellationToken)
    {
        var listener = await clients.LoadBalancing.DescribeListenerAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
        var entry = listener.Forward.FirstOrDefault(f => f.TargetGroupArn == targetGroupArn);
        if (entry is null)
        {
            return;
        }

        if (entry.Weight > 0)
        {
            throw Rejected(InfraProviderErrorReason.InfraSetTakesTraffic,
                $"Infra-set {infraSetId} still has weight {entry.Weight} on listener {env.ListenerArn}; "
                + "set its weight to 0 before deleting it.");
        }

        var rest = listener.Forward.Where(f => f.TargetGroupArn != targetGroupArn).ToList();
        await clients.LoadBalancing.ModifyListenerForwardAsync(env.ListenerArn, rest, cancellationToken).ConfigureAwait(false);
        var tags = await ListenerTagsAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
        await RecordWeightChangeAsync(env.ListenerArn, tags, [], cancellationToken).ConfigureAwait(false);
    }

    private async Task AddTombstoneAsync(string listenerArn, string infraSetId, string value, CancellationToken cancellationToken)
    {
        var tags = await ListenerTagsAsync(listenerArn, cancellationToken).ConfigureAwait(false);
        var stale = tags.Where(t => t.Key.StartsWith(AwsNames.TombstoneTagPrefix, StringComparison.Ordinal))
            .OrderByDescending(t => t.Value.Split(AwsNames.TombstoneSeparator).ElementAtOrDefault(1), StringComparer.Ordinal)
            .Skip(AwsNames.MaxTombstones - 1)
            .Select(t => t.Key)
            .ToList();
        if (stale.Count > 0)
        {
            await clients.LoadBalancing.RemoveTagsAsync(listenerArn, stale, cancellationToken).ConfigureAwait(false);
        }

        await clients.LoadBalancing.AddTagsAsync(listenerArn, new Dictionary<string, string> { [AwsNames.TombstoneTagPrefix + infraSetId] = value }, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitUntilAsync(Func<Task<bool>> done, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.DeleteTimeout;
        while (!await done().ConfigureAwait(false))
        {
            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new InfraProviderException(InfraProviderErrorReason.Internal, $"Waited {options.DeleteTimeout} for {what}; retry the delete with the same key.");
            }

            await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
