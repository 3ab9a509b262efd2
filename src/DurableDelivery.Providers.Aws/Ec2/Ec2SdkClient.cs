using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Providers.Aws.Ec2;

/// <summary><see cref="IEc2Client"/> with AWSSDK.EC2 (which retries throttling itself); logs every call's request
/// id.</summary>
internal sealed class Ec2SdkClient(IAmazonEC2 ec2, ILogger logger) : IEc2Client
{
    public async Task<Ec2Image?> DescribeImageAsync(string imageId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.DescribeImagesAsync(new DescribeImagesRequest { ImageIds = [imageId] }, cancellationToken).ConfigureAwait(false);
            Logged("DescribeImages", response);
            return response.Images?.Where(i => i.ImageId == imageId)
                .Select(i => new Ec2Image(i.ImageId, i.Name, i.State?.Value ?? "unknown", (i.Tags ?? []).ToDictionary(t => t.Key, t => t.Value ?? string.Empty, StringComparer.Ordinal)))
                .FirstOrDefault();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAMIID.NotFound" or "InvalidAMIID.Malformed" or "InvalidAMIID.Unavailable")
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<string>> MissingSubnetsAsync(IReadOnlyList<string> subnetIds, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var id in subnetIds)
        {
            try
            {
                var response = await ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest { SubnetIds = [id] }, cancellationToken).ConfigureAwait(false);
                Logged("DescribeSubnets", response);
                if (response.Subnets is not { Count: > 0 })
                {
                    missing.Add(id);
                }
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidSubnetID.NotFound" or "InvalidSubnetID.Malformed")
            {
                missing.Add(id);
            }
        }

        return missing;
    }

    public async Task<Ec2LaunchTemplate?> DescribeLaunchTemplateAsync(string idOrName, CancellationToken cancellationToken)
    {
        var request = idOrName.StartsWith("lt-", StringComparison.Ordinal)
            ? new DescribeLaunchTemplatesRequest { LaunchTemplateIds = [idOrName] }
            : new DescribeLaunchTemplatesRequest { LaunchTemplateNames = [idOrName] };
        try
        {
            var response = await ec2.DescribeLaunchTemplatesAsync(request, cancellationToken).ConfigureAwait(false);
            Logged("DescribeLaunchTemplates", response);
            return response.LaunchTemplates?.Select(t => new Ec2LaunchTemplate(t.LaunchTemplateId, t.LaunchTemplateName, t.DefaultVersionNumber ?? 1, t.LatestVersionNumber ?? 1)).FirstOrDefault();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode.StartsWith("InvalidLaunchTemplate", StringComparison.Ordinal))
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<Ec2LaunchTemplateVersion>> DescribeLaunchTemplateVersionsAsync(string templateId, CancellationToken cancellationToken)
    {
        var versions = new List<Ec2LaunchTemplateVersion>();
        string? token = null;
        do
        {
            var response = await ec2.DescribeLaunchTemplateVersionsAsync(new DescribeLaunchTemplateVersionsRequest { LaunchTemplateId = templateId, NextToken = token }, cancellationToken).ConfigureAwait(false);
            Logged("DescribeLaunchTemplateVersions", response);
            versions.AddRange((response.LaunchTemplateVersions ?? []).Select(v => new Ec2LaunchTemplateVersion(v.VersionNumber ?? 0, v.VersionDescription, v.LaunchTemplateData?.ImageId)));
            token = response.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return versions;
    }

    public async Task<Ec2LaunchTemplateVersion?> DescribeLaunchTemplateVersionAsync(string templateId, long version, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.DescribeLaunchTemplateVersionsAsync(
                new DescribeLaunchTemplateVersionsRequest { LaunchTemplateId = templateId, Versions = [version.ToString(System.Globalization.CultureInfo.InvariantCulture)] },
                cancellationToken).ConfigureAwait(false);
            Logged("DescribeLaunchTemplateVersions", response);
            return (response.LaunchTemplateVersions ?? [])
                .Where(v => v.VersionNumber == version)
                .Select(v => new Ec2LaunchTemplateVersion(version, v.VersionDescription, v.LaunchTemplateData?.ImageId))
                .FirstOrDefault();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode.StartsWith("InvalidLaunchTemplate", StringComparison.Ordinal))
        {
            return null;
        }
    }

    public async Task<long> CreateLaunchTemplateVersionAsync(string templateId, string sourceVersion, string imageId, string description, CancellationToken cancellationToken)
    {
        var response = await ec2.CreateLaunchTemplateVersionAsync(
            new CreateLaunchTemplateVersionRequest
            {
                LaunchTemplateId = templateId,
                SourceVersion = sourceVersion,
                VersionDescription = description,
                LaunchTemplateData = new RequestLaunchTemplateData { ImageId = imageId },
            },
            cancellationToken).ConfigureAwait(false);
        Logged("CreateLaunchTemplateVersion", response);
        return response.LaunchTemplateVersion?.VersionNumber ?? throw new InvalidOperationException("CreateLaunchTemplateVersion returned no version number.");
    }

    public async Task DeleteLaunchTemplateVersionAsync(string templateId, long version, CancellationToken cancellationToken)
    {
        var response = await ec2.DeleteLaunchTemplateVersionsAsync(
            new DeleteLaunchTemplateVersionsRequest { LaunchTemplateId = templateId, Versions = [version.ToString(System.Globalization.CultureInfo.InvariantCulture)] },
            cancellationToken).ConfigureAwait(false);
        Logged("DeleteLaunchTemplateVersions", response);
    }

    public async Task<IReadOnlyList<Ec2Instance>> DescribeInstancesAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        if (instanceIds.Count == 0)
        {
            return [];
        }

        var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [.. instanceIds] }, cancellationToken).ConfigureAwait(false);
        Logged("DescribeInstances", response);
        return [.. (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(i => new Ec2Instance(i.InstanceId, i.PrivateIpAddress, i.State?.Name?.Value ?? "unknown"))];
    }

    private void Logged(string action, AmazonWebServiceResponse response) =>
        logger.LogDebug("ec2 {Action} -> {Status} request id {RequestId}", action, (int)response.HttpStatusCode, response.ResponseMetadata?.RequestId);
}
