namespace DurableDelivery.Providers.Aws;

/// <summary>Rollback readiness: probing kept infra-sets between deliveries.</summary>
public sealed partial class AwsInfraProvider
{
    /// <summary>
    /// Probes every infra-set of an environment: capacity and healthy targets (could it take traffic now?), and whether
    /// its launch template version and AMI still exist (could it be relaunched?). Meant for <c>ddctl env status</c> and
    /// the environment's periodic health check, so a rollback target that went bad shows before anyone needs it.
    /// </summary>
    /// <param name="environment">The environment.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>One entry per live infra-set, oldest first.</returns>
    /// <exception cref="InfraProviderException"><see cref="InfraProviderErrorReason.UnknownListener"/>; <see
    /// cref="InfraProviderErrorReason.ProviderUnavailable"/>.</exception>
    public Task<IReadOnlyList<AwsInfraSetReadiness>> DescribeReadinessAsync(string environment, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var (env, _) = await ListenerOfAsync(environment, cancellationToken).ConfigureAwait(false);
            var weights = await GetWeightsAsync(environment, cancellationToken).ConfigureAwait(false);
            var groups = await clients.AutoScaling.DescribeAutoScalingGroupsAsync([], new(AwsNames.EnvironmentTag, environment), cancellationToken).ConfigureAwait(false);
            var result = new List<AwsInfraSetReadiness>();
            foreach (var group in groups.Where(g => g.Status is null && g.Tags.ContainsKey(AwsNames.InfraSetTag)).OrderBy(g => g.CreatedTime))
            {
                var id = group.Tags[AwsNames.InfraSetTag];
                var artifact = group.Tags.GetValueOrDefault(AwsNames.ArtifactTag, string.Empty);
                var problems = new List<string>();
                var targetGroup = await clients.LoadBalancing.FindTargetGroupAsync(AwsNames.TargetGroupName(id), cancellationToken).ConfigureAwait(false);
                var healthy = 0;
                if (targetGroup is null)
                {
                    problems.Add($"target group {AwsNames.TargetGroupName(id)} is missing");
                }
                else
                {
                    var targets = await clients.LoadBalancing.DescribeTargetHealthAsync(targetGroup.Arn, cancellationToken).ConfigureAwait(false);
                    healthy = targets.Count(t => t.State == "healthy" && group.Instances.Any(i => i.InstanceId == t.TargetId));
                }

                var inService = group.Instances.Count(i => i.LifecycleState == "InService");
                if (group.DesiredCapacity == 0)
                {
                    problems.Add("the group is scaled to 0");
                }
                else if (healthy < group.DesiredCapacity)
                {
                    problems.Add($"{healthy} of {group.DesiredCapacity} targets healthy");
                }

                var versionExists = group.LaunchTemplateId is { } templateId && long.TryParse(group.LaunchTemplateVersion, out var v)
                    && await clients.Ec2.DescribeLaunchTemplateVersionAsync(templateId, v, cancellationToken).ConfigureAwait(false) is not null;
                if (!versionExists)
                {
                    problems.Add(
                        $"launch template version {group.LaunchTemplateVersion} of {env.LaunchTemplate} no longer "
                        + "exists");
                }

                var image = artifact.Length == 0 ? null : await clients.Ec2.DescribeImageAsync(artifact, cancellationToken).ConfigureAwait(false);
                var imageAvailable = image is { State: "available" };
                if (!imageAvailable)
                {
                    problems.Add(image is null ? $"AMI {artifact} no longer exists (deregistered?)" : $"AMI {artifact} is {image.State}");
                }

                result.Add(new AwsInfraSetReadiness
                {
                    InfraSetId = id,
                    ArtifactId = artifact,
                    Version = group.Tags.GetValueOrDefault(AwsNames.VersionTag, string.Empty),
                    GroupName = group.Name,
                    TargetGroupArn = targetGroup?.Arn,
                    Weight = weights.WeightOf(id),
                    DesiredCapacity = group.DesiredCapacity,
                    InService = inService,
                    HealthyTargets = healthy,
                    LaunchTemplateVersion = group.LaunchTemplateVersion,
                    LaunchTemplateVersionExists = versionExists,
                    ImageAvailable = imageAvailable,
                    Problems = problems,
                });
            }

            return (IReadOnlyList<AwsInfraSetReadiness>)result;
        });
}
