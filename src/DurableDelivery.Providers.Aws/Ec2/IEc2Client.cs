namespace DurableDelivery.Providers.Aws.Ec2;

/// <summary>The EC2 calls the provider makes, implemented with AWSSDK.EC2 by <see cref="Ec2SdkClient"/>.</summary>
internal interface IEc2Client
{
    /// <summary><c>DescribeImages</c> of one id; <see langword="null"/> when it does not exist.</summary>
    Task<Ec2Image?> DescribeImageAsync(string imageId, CancellationToken cancellationToken);

    /// <summary><c>DescribeSubnets</c>; returns the ids of <paramref name="subnetIds"/> that do not exist.</summary>
    Task<IReadOnlyList<string>> MissingSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken);

    /// <summary><c>DescribeLaunchTemplates</c> by id (<c>lt-...</c>) or name; <see langword="null"/> when it does not
    /// exist.</summary>
    Task<Ec2LaunchTemplate?> DescribeLaunchTemplateAsync(string idOrName, CancellationToken cancellationToken);

    /// <summary><c>DescribeLaunchTemplateVersions</c>: every version of a template.</summary>
    Task<IReadOnlyList<Ec2LaunchTemplateVersion>> DescribeLaunchTemplateVersionsAsync(string templateId, CancellationToken cancellationToken);

    /// <summary><c>DescribeLaunchTemplateVersions</c> of one version; <see langword="null"/> when it does not exist.</summary>
    Task<Ec2LaunchTemplateVersion?> DescribeLaunchTemplateVersionAsync(string templateId, long version, CancellationToken cancellationToken);

    /// <summary><c>CreateLaunchTemplateVersion</c> from <paramref name="sourceVersion"/> with another image.</summary>
    Task<long> CreateLaunchTemplateVersionAsync(string templateId, string sourceVersion, string imageId, string description, CancellationToken cancellationToken);

    /// <summary><c>DeleteLaunchTemplateVersions</c> of one version.</summary>
    Task DeleteLaunchTemplateVersionAsync(string templateId, long version, CancellationToken cancellationToken);

    /// <summary><c>DescribeInstances</c> by id.</summary>
    Task<IReadOnlyList<Ec2Instance>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);
}
