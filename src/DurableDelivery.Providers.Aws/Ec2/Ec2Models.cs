namespace DurableDelivery.Providers.Aws.Ec2;

/// <summary>An AMI.</summary>
internal sealed record Ec2Image(string ImageId, string? Name, string State, IReadOnlyDictionary<string, string> Tags);

/// <summary>A launch template.</summary>
internal sealed record Ec2LaunchTemplate(string Id, string Name, long DefaultVersion, long LatestVersion);

/// <summary>One version of a launch template.</summary>
internal sealed record Ec2LaunchTemplateVersion(long Version, string? Description, string? ImageId);

/// <summary>An instance.</summary>
internal sealed record Ec2Instance(string InstanceId, string? PrivateIpAddress, string State);
