using DurableDelivery.Providers.Aws.AutoScaling;
using DurableDelivery.Providers.Aws.LoadBalancing;
using DurableDelivery.Providers.Aws.Query;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws;

/// <summary>Creating an infra-set: validate everything, then find-or-create each resource in order.</summary>
public sealed partial class AwsInfraProvider
{
    /// <inheritdoc />
    /// <remarks>
    /// <para>Steps, each finding what an earlier attempt made before creating it: (1) a launch template version with
    /// the
    /// AMI, (2) a target group, (3) its deregistration delay, (4) the Auto Scaling group attached to the target group.
    /// A retried call with the same key completes a half-created infra-set; when AWS refuses a step outright the steps
    /// already made are removed before the refusal is reported, so nothing leaks.</para>
    /// <para>Nothing is created before the listener, subnets, launch template and AMI are confirmed to exist.</para>
    /// </remarks>
    public Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            RequireKey(idempotencyKey);
            var env = Environment(spec.Environment);
            if (spec.InstanceCount < 1 || spec.InstanceCount > env.MaxInstances)
            {
                throw Rejected(InfraProviderErrorReason.InvalidSpec,
                    $"Environment '{spec.Environment}': {spec.InstanceCount} instances is out of range; "
                    + $"use 1-{env.MaxInstances} ('maxInstances' in the AWS provider settings).");
            }

            if (spec.HealthCheckPath is { } path && !path.StartsWith('/'))
            {
                throw Rejected(InfraProviderErrorReason.InvalidSpec, $"Health check path '{path}' does not start with '/'; use e.g. '/healthz'.");
            }

            var id = AwsNames.InfraSetId(spec, idempotencyKey);
            var digest = AwsNames.SpecDigest(spec);
            var groupName = AwsNames.GroupName(id);
            var existing = (await clients.AutoScaling.DescribeAutoScalingGroupsAsync([groupName], null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            if (existing is not null)
            {
                RequireSameSpec(id, existing.Tags, digest);
                logger.LogInformation("Infra-set {InfraSetId} already exists (group {Group}); returning it", id, groupName);
                return await DescribeGroupAsync(id, existing, cancellationToken).ConfigureAwait(false);
            }

            var targetGroup = await clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(id), cancellationToken).ConfigureAwait(false);
            if (targetGroup is not null)
            {
                var tags = await clients.LoadBalancing.DescribeTagsAsync([targetGroup.Arn], cancellationToken).ConfigureAwait(false);
                RequireSameSpec(id, tags.GetValueOrDefault(targetGroup.Arn) ?? new Dictionary<string, string>(), digest);
            }

            var template = await ValidateEnvironmentAsync(spec.Environment, env, cancellationToken).ConfigureAwait(false);
            var image = await clients.Ec2.DescribeImageAsync(spec.ArtifactId, cancellationToken).ConfigureAwait(false)
                ?? throw Rejected(InfraProviderErrorReason.ArtifactNotFound,
                    $"AMI {spec.ArtifactId} does not exist in {options.Region}; "
                    + "build or copy it there, or fix the version set's artifact.");
            var listener = await clients.LoadBalancing.DescribeListenerAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
            var lb = await clients.LoadBalancing.DescribeLoadBalancerAsync(listener.LoadBalancerArn, cancellationToken).ConfigureAwait(false);
            var version = image.Tags.GetValueOrDefault("Version") ?? image.Tags.GetValueOrDefault("version") ?? image.Name ?? image.ImageId;
            var resourceTags = AwsNames.Tags(id, spec, idempotencyKey, version);

            var made = new List<Func<Task>>();
            try
            {
                // (1) The launch template version, found again by its description.
                var description = AwsNames.TemplateVersionDescription(id);
                var templateVersion = (await clients.Ec2.DescribeLaunchTemplateVersionsAsync(template.Id, cancellationToken).ConfigureAwait(false))
                    .FirstOrDefault(v => v.Description == description)?.Version;
                if (templateVersion is null)
                {
                    var mine = await clients.Ec2.CreateLaunchTemplateVersionAsync(template.Id, env.LaunchTemplateSourceVersion, image.ImageId, description, cancellationToken).ConfigureAwait(false);
                    logger.LogInformation("Infra-set {InfraSetId}: launch template {Template} version {Version} with {Image}", id, template.Id, mine, image.ImageId);

                    // Two attempts racing (an activity retried while a timed-out attempt still runs) may both create a
                    // version: all of them settle on the lowest, and the loser removes its own.
                    templateVersion = (await clients.Ec2.DescribeLaunchTemplateVersionsAsync(template.Id, cancellationToken).ConfigureAwait(false))
                        .Where(v => v.Description == description).Select(v => (long?)v.Version).Min() ?? mine;
                    if (templateVersion != mine)
                    {
                        await DeleteTemplateVersionAsync(template.Id, mine, cancellationToken).ConfigureAwait(false);
                    }
                }

                var ltVersion = templateVersion.Value;
                made.Add(() => DeleteTemplateVersionAsync(template.Id, ltVersion, CancellationToken.None));

                // (2) The target group, found again by its name.
                if (targetGroup is null)
                {
                    targetGroup = await CreateOrFindTargetGroupAsync(
                        new CreateTargetGroupRequest
                        {
                            Name = AwsNames.TargetGroupName(id),
                            VpcId = lb.VpcId,
                            Port = options.InstancePort,
                            HealthCheckPath = spec.HealthCheckPath ?? AwsNames.DefaultHealthCheckPath,
                            HealthCheckIntervalSeconds = (int)options.TargetHealthCheckInterval.TotalSeconds,
                            HealthyThresholdCount = options.HealthyThreshold,
                            Tags = resourceTags,
                        },
                        cancellationToken).ConfigureAwait(false);
                }

                var tgArn = targetGroup.Arn;
                made.Add(() => clients.LoadBalancing.DeleteTargetGroupAsync(tgArn, CancellationToken.None));

                // (3) The deregistration delay: how long in-flight requests may finish when instances leave.
                await clients.LoadBalancing.ModifyTargetGroupAttributesAsync(
                    tgArn,
                    new Dictionary<string, string> { ["deregistration_delay.timeout_seconds"] = ((int)options.DeregistrationDelay.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    cancellationToken).ConfigureAwait(false);

                // (4) A header rule on the listener: the ALB health-checks only target groups a listener uses.
                await EnsureHeaderRuleAsync(env.ListenerArn, id, tgArn, cancellationToken).ConfigureAwait(false);
                made.Add(() => DeleteRulesToAsync(env.ListenerArn, tgArn, CancellationToken.None));

                // (5) The Auto Scaling group, attached to the target group at creation.
                var groupTags = new Dictionary<string, string>(resourceTags, StringComparer.Ordinal);
                foreach (var (key, value) in spec.Settings)
                {
                    groupTags[AwsNames.SettingTagPrefix + key] = value;
                }

                try
                {
                    await clients.AutoScaling.CreateAutoScalingGroupAsync(
                        new CreateAutoScalingGroupRequest
                        {
                            Name = groupName,
                            LaunchTemplateId = template.Id,
                            LaunchTemplateVersion = ltVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            Capacity = spec.InstanceCount,
                            Subnets = env.Subnets,
                            TargetGroupArns = [tgArn],
                            HealthCheckGracePeriodSeconds = (int)options.HealthCheckGracePeriod.TotalSeconds,
                            Tags = groupTags,
                        },
                        cancellationToken).ConfigureAwait(false);
                    logger.LogInformation("Infra-set {InfraSetId}: Auto Scaling group {Group}, {Count} instances", id, groupName, spec.InstanceCount);
                }
                catch (AwsQueryException e) when (e.Code == "AlreadyExists")
                {
                    logger.LogInformation("Infra-set {InfraSetId}: group {Group} already existed", id, groupName);
                }
            }
            catch (AwsQueryException e) when (!e.IsTransient)
            {
                // AWS refused a step outright: retrying cannot help, so remove what was made and report the refusal.
                logger.LogWarning(e, "Infra-set {InfraSetId}: AWS refused {Action}; removing the {Count} steps already made", id, e.Action, made.Count);
                for (var i = made.Count - 1; i >= 0; i--)
                {
                    await made[i]().ConfigureAwait(false);
                }

                throw Rejected(InfraProviderErrorReason.InvalidSpec,
                    $"AWS refused {e.Action} for infra-set {id}: {e.Code}: "
                    + $"{e.AwsMessage} (request id {e.RequestId}); "
                    + "nothing was kept. Fix the stack or settings and retry.");
            }

            return await DescribeCoreAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InfraProviderException(InfraProviderErrorReason.Internal,
                    $"Infra-set {id} was created but AWS does not list its group {groupName} yet; "
                    + "retry with the same key.");
        });

    /// <summary>Creates the target group, or finds it when a concurrent attempt created it first (AWS then answers
    /// <c>DuplicateTargetGroupName</c> unless the requests were identical).</summary>
    private async Task<TargetGroup> CreateOrFindTargetGroupAsync(CreateTargetGroupRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var created = await clients.LoadBalancing.CreateTargetGroupAsync(request, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Infra-set {InfraSetId}: target group {TargetGroup}", request.Tags[AwsNames.InfraSetTag], created.Arn);
            return created;
        }
        catch (AwsQueryException e) when (e.Code == "DuplicateTargetGroupName")
        {
            return await clients.LoadBalancing.FindTargetGroupAsync(request.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new InfraProviderException(InfraProviderErrorReason.Internal,
                    $"Target group {request.Name} was reported as a duplicate, then not found; "
                    + "retry with the same key.", e);
        }
    }

    private static void RequireSameSpec(string id, IReadOnlyDictionary<string, string> tags, string digest)
    {
        if (tags.TryGetValue(AwsNames.DigestTag, out var found) && found != digest)
        {
            throw Rejected(InfraProviderErrorReason.IdempotencyKeyConflict,
                $"Infra-set {id} was created under this idempotency key from a different spec; "
                + "use a new key for a new spec.");
        }
    }

    private async Task DeleteTemplateVersionAsync(string templateId, long version, CancellationToken cancellationToken)
    {
        if (!options.DeleteLaunchTemplateVersions)
        {
            logger.LogInformation("Keeping launch template {Template} version {Version} ('deleteLaunchTemplateVersions' is off)", templateId, version);
            return;
        }

        await clients.Ec2.DeleteLaunchTemplateVersionAsync(templateId, version, cancellationToken).ConfigureAwait(false);
    }
}
