using System.Globalization;
using DurableDelivery.Providers.Aws.AutoScaling;

namespace DurableDelivery.Providers.Aws;

/// <summary>Reading infra-sets back: group, target health and instances, and deleted ones from the listener's
/// tombstones.</summary>
public sealed partial class AwsInfraProvider
{
    /// <inheritdoc />
    /// <remarks>
    /// For a live group the status message also says when the infra-set could not be relaunched (its launch template
    /// version or AMI is gone), so the environment's periodic health check reports a rollback target that would not
    /// survive an instance replacement; the status stays what the targets say.
    /// </remarks>
    public Task<InfraSetInfo?> DescribeInfraSetAsync(string infraSetId, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var info = await DescribeCoreAsync(infraSetId, cancellationToken).ConfigureAwait(false);
            if (info is null || info.Status == InfraSetStatus.Deleted)
            {
                return info;
            }

            var problems = await LaunchProblemsAsync(info.Spec, infraSetId, cancellationToken).ConfigureAwait(false);
            return problems.Count == 0 ? info : info with { StatusMessage = $"{info.StatusMessage}; cannot be relaunched: {string.Join(", ", problems)}" };
        });

    /// <summary>What would stop the infra-set's group from launching instances: a missing template version or AMI.</summary>
    private async Task<IReadOnlyList<string>> LaunchProblemsAsync(InfraSetSpec spec, string infraSetId, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var group = (await clients.AutoScaling.DescribeAutoScalingGroupsAsync([AwsNames.GroupName(infraSetId)], null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (group?.LaunchTemplateId is { } templateId && long.TryParse(group.LaunchTemplateVersion, out var version)
            && await clients.Ec2.DescribeLaunchTemplateVersionAsync(templateId, version, cancellationToken).ConfigureAwait(false) is null)
        {
            problems.Add($"launch template version {version} of {templateId} no longer exists");
        }

        var image = spec.ArtifactId.Length == 0 ? null : await clients.Ec2.DescribeImageAsync(spec.ArtifactId, cancellationToken).ConfigureAwait(false);
        if (image is not { State: "available" })
        {
            problems.Add(image is null ? $"AMI {spec.ArtifactId} no longer exists (deregistered?)" : $"AMI {spec.ArtifactId} is {image.State}");
        }

        return problems;
    }

    /// <summary>The infra-set from its group, half-made target group or tombstone, without the launch checks.</summary>
    private Task<InfraSetInfo?> DescribeCoreAsync(string infraSetId, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            var group = (await clients.AutoScaling.DescribeAutoScalingGroupsAsync([AwsNames.GroupName(infraSetId)], null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            if (group is not null)
            {
                return await DescribeGroupAsync(infraSetId, group, cancellationToken).ConfigureAwait(false);
            }

            var targetGroup = await clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(infraSetId), cancellationToken).ConfigureAwait(false);
            if (targetGroup is not null)
            {
                var tags = (await clients.LoadBalancing.DescribeTagsAsync([targetGroup.Arn], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(targetGroup.Arn)
                    ?? new Dictionary<string, string>();
                return new InfraSetInfo
                {
                    Id = infraSetId,
                    Spec = AwsNames.SpecFromTags(tags),
                    Version = tags.GetValueOrDefault(AwsNames.VersionTag, string.Empty),
                    Status = InfraSetStatus.Starting,
                    StatusMessage = $"half-created: target group {targetGroup.Name} exists, "
                        + $"Auto Scaling group {AwsNames.GroupName(infraSetId)} does not; "
                        + "retry the create with the same key or delete it",
                };
            }

            return await TombstoneAsync(infraSetId, cancellationToken).ConfigureAwait(false);
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<InfraSetInfo>> ListInfraSetsAsync(string environment, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var groups = await clients.AutoScaling.DescribeAutoScalingGroupsAsync([], new(AwsNames.EnvironmentTag, environment), cancellationToken).ConfigureAwait(false);
            var sets = new List<InfraSetInfo>();
            foreach (var group in groups.Where(g => g.Status is null && g.Tags.ContainsKey(AwsNames.InfraSetTag)).OrderBy(g => g.CreatedTime))
            {
                sets.Add(await DescribeGroupAsync(group.Tags[AwsNames.InfraSetTag], group, cancellationToken).ConfigureAwait(false));
            }

            return (IReadOnlyList<InfraSetInfo>)sets;
        });

    /// <inheritdoc />
    public Task<InfraSetInfo> WaitHealthyAsync(string infraSetId, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var deadline = DateTimeOffset.UtcNow + timeout;
            while (true)
            {
                var info = await DescribeCoreAsync(infraSetId, cancellationToken).ConfigureAwait(false);
                if (info is null || info.Status == InfraSetStatus.Deleted)
                {
                    throw Rejected(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set {infraSetId} does not exist{(info is null ? string.Empty : " any more (deleted)")}; create it first.");
                }

                if (info.Status == InfraSetStatus.Healthy || DateTimeOffset.UtcNow >= deadline)
                {
                    return info;
                }

                var left = deadline - DateTimeOffset.UtcNow;
                await Task.Delay(left < options.PollInterval ? left : options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
        });

    /// <summary>An infra-set from its group, the target health of its target group and its instances.</summary>
    private async Task<InfraSetInfo> DescribeGroupAsync(string infraSetId, AutoScalingGroup group, CancellationToken cancellationToken)
    {
        var spec = AwsNames.SpecFromTags(group.Tags);
        var version = group.Tags.GetValueOrDefault(AwsNames.VersionTag, string.Empty);
        var created = group.CreatedTime;
        if (group.Status is not null)
        {
            return new InfraSetInfo { Id = infraSetId, Spec = spec, Version = version, CreatedAt = created, Status = InfraSetStatus.Deleted, StatusMessage = $"group {group.Name}: {group.Status}" };
        }

        var health = new Dictionary<string, Aws.LoadBalancing.TargetHealth>(StringComparer.Ordinal);
        foreach (var arn in group.TargetGroupArns)
        {
            foreach (var target in await clients.LoadBalancing.DescribeTargetHealthAsync(arn, cancellationToken).ConfigureAwait(false))
            {
                health[target.TargetId] = target;
            }
        }

        var addresses = (await clients.Ec2.DescribeInstancesAsync([.. group.Instances.Select(i => i.InstanceId)], cancellationToken).ConfigureAwait(false))
            .ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        var instances = group.Instances.OrderBy(i => i.InstanceId, StringComparer.Ordinal).Select(i => new InstanceInfo
        {
            Id = i.InstanceId,
            Endpoint = addresses.TryGetValue(i.InstanceId, out var ec2) && ec2.PrivateIpAddress is { } ip
                ? $"http://{ip}:{options.InstancePort.ToString(CultureInfo.InvariantCulture)}"
                : $"instance://{i.InstanceId}",
            Healthy = i.LifecycleState == "InService" && health.TryGetValue(i.InstanceId, out var h) && h.State == "healthy",
        }).ToList();
        var healthy = instances.Count(i => i.Healthy);
        var desired = group.DesiredCapacity;
        var starting = instances.Count < desired
            || group.Instances.Any(i => i.LifecycleState.StartsWith("Pending", StringComparison.Ordinal))
            || health.Values.Any(h => h.State == "initial");
        var status = desired > 0 && healthy == desired && instances.Count == desired ? InfraSetStatus.Healthy
            : starting ? InfraSetStatus.Starting
            : healthy == 0 ? InfraSetStatus.Unhealthy
            : InfraSetStatus.Degraded;
        var unhealthy = health.Values.Where(h => h.State != "healthy").Select(h => $"{h.TargetId} {h.State}{(h.Reason is null ? string.Empty : $" ({h.Reason})")}").ToList();
        var message = $"{healthy} of {desired} instances healthy (group {group.Name}, "
            + $"launch template version {group.LaunchTemplateVersion})"
            + (unhealthy.Count > 0 ? "; " + string.Join(", ", unhealthy) : string.Empty);
        return new InfraSetInfo { Id = infraSetId, Spec = spec, Version = version, CreatedAt = created, Status = status, StatusMessage = message, Instances = instances };
    }

    /// <summary>A deleted infra-set, as remembered by a tombstone tag on its environment's listener.</summary>
    private async Task<InfraSetInfo?> TombstoneAsync(string infraSetId, CancellationToken cancellationToken)
    {
        foreach (var (name, env) in options.Environments.Where(e => infraSetId.StartsWith(e.Key + "-", StringComparison.Ordinal)))
        {
            var tags = await ListenerTagsAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
            if (tags.TryGetValue(AwsNames.TombstoneTagPrefix + infraSetId, out var value))
            {
                var parts = value.Split(AwsNames.TombstoneSeparator);
                return new InfraSetInfo
                {
                    Id = infraSetId,
                    Spec = new InfraSetSpec { Environment = name, ArtifactId = parts[0] },
                    Version = parts.Length > 2 ? parts[2] : string.Empty,
                    Status = InfraSetStatus.Deleted,
                    StatusMessage = $"deleted at {(parts.Length > 1 ? parts[1] : "?")}",
                };
            }
        }

        return null;
    }

    private async Task<IReadOnlyDictionary<string, string>> ListenerTagsAsync(string listenerArn, CancellationToken cancellationToken) =>
        (await clients.LoadBalancing.DescribeTagsAsync([listenerArn], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(listenerArn)
        ?? new Dictionary<string, string>();
}
