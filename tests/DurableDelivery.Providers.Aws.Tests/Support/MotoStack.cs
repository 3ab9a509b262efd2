using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using DurableDelivery.Providers.Aws.AutoScaling;
using DurableDelivery.Providers.Aws.CloudWatch;
using DurableDelivery.Providers.Aws.LoadBalancing;
using DurableDelivery.Providers.Aws.Query;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>
/// The fixed part of one environment in moto, as infra/aws/delivery-stack.yaml makes it on AWS: an ALB in the default
/// VPC's subnets, an HTTP listener answering 503 until a delivery forwards it, a launch template, and two AMIs (v1, v2)
/// tagged with their version. Also raw clients to look at what the provider did, independently of the provider.
/// </summary>
internal sealed class MotoStack : IDisposable
{
    public static readonly BasicAWSCredentials Dummy = new("testing", "testing");

    private readonly HttpClient http = new();

    private MotoStack(MotoServer moto, string environment)
    {
        Moto = moto;
        Environment = environment;
        Ec2 = new AmazonEC2Client(Dummy, new AmazonEC2Config { ServiceURL = moto.Url.ToString(), AuthenticationRegion = "us-east-1" });
        var logger = NullLogger.Instance;
        LoadBalancing = new LoadBalancingQueryClient(Transport(LoadBalancingQueryClient.SigningName, LoadBalancingQueryClient.ApiVersion, logger));
        AutoScaling = new AutoScalingQueryClient(Transport(AutoScalingQueryClient.SigningName, AutoScalingQueryClient.ApiVersion, logger));
        CloudWatch = new CloudWatchQueryClient(Transport(CloudWatchQueryClient.SigningName, CloudWatchQueryClient.ApiVersion, logger));
        ElbTransport = Transport(LoadBalancingQueryClient.SigningName, LoadBalancingQueryClient.ApiVersion, logger);
    }

    public MotoServer Moto { get; }

    public string Environment { get; }

    public AmazonEC2Client Ec2 { get; }

    public LoadBalancingQueryClient LoadBalancing { get; }

    public AutoScalingQueryClient AutoScaling { get; }

    public CloudWatchQueryClient CloudWatch { get; }

    public AwsQueryTransport ElbTransport { get; }

    public string ListenerArn { get; private set; } = string.Empty;

    public string LoadBalancerArn { get; private set; } = string.Empty;

    public IReadOnlyList<string> Subnets { get; private set; } = [];

    public string LaunchTemplateId { get; private set; } = string.Empty;

    public string AmiV1 { get; private set; } = string.Empty;

    public string AmiV2 { get; private set; } = string.Empty;

    public AwsEnvironmentOptions EnvironmentOptions => new() { ListenerArn = ListenerArn, Subnets = Subnets, LaunchTemplate = LaunchTemplateId };

    /// <summary>Settings for a provider on this stack: explicit dummy credentials, fast polls, 1-second
    /// metrics.</summary>
    public AwsProviderOptions Options(Func<AwsEnvironmentOptions, AwsEnvironmentOptions>? change = null) => new()
    {
        Region = "us-east-1",
        ServiceUrl = Moto.Url,
        Credentials = new AwsCredentialOptions { AccessKeyId = "testing", SecretAccessKey = "testing" },
        Environments = new Dictionary<string, AwsEnvironmentOptions> { [Environment] = change is null ? EnvironmentOptions : change(EnvironmentOptions) },
        PollInterval = TimeSpan.FromMilliseconds(50),
        ReadBackTimeout = TimeSpan.FromSeconds(5),
        DeleteTimeout = TimeSpan.FromSeconds(20),
        DeregistrationDelay = TimeSpan.Zero,
        HealthCheckGracePeriod = TimeSpan.Zero,
        MetricsPeriod = TimeSpan.FromSeconds(1),
        MaxMetricsWindow = TimeSpan.FromMinutes(10),
        // moto 5.2.1 does not implement DeleteLaunchTemplateVersions (docs/aws.md).
        DeleteLaunchTemplateVersions = false,
        Retry = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200) },
    };

    public static async Task<MotoStack> CreateAsync(MotoServer moto, string environment)
    {
        var stack = new MotoStack(moto, environment);
        await stack.BuildAsync();
        return stack;
    }

    private async Task BuildAsync()
    {
        var subnets = await Ec2.DescribeSubnetsAsync(new DescribeSubnetsRequest { Filters = [new Filter("default-for-az", ["true"])] });
        Subnets = [.. subnets.Subnets.OrderBy(s => s.AvailabilityZone).Take(2).Select(s => s.SubnetId)];
        var lb = await ElbTransport.SendAsync(
            new QueryRequest("CreateLoadBalancer").Add("Name", $"dd-{Environment}").Add("Type", "application").AddList("Subnets", Subnets),
            CancellationToken.None);
        LoadBalancerArn = lb.Members("LoadBalancers").First().Required("LoadBalancerArn");
        var listener = await ElbTransport.SendAsync(
            new QueryRequest("CreateListener")
                .Add("LoadBalancerArn", LoadBalancerArn).Add("Protocol", "HTTP").Add("Port", 80)
                .Add("DefaultActions.member.1.Type", "fixed-response")
                .Add("DefaultActions.member.1.FixedResponseConfig.StatusCode", "503")
                .Add("DefaultActions.member.1.FixedResponseConfig.ContentType", "text/plain")
                .Add("DefaultActions.member.1.FixedResponseConfig.MessageBody", "no infra-set yet"),
            CancellationToken.None);
        ListenerArn = listener.Members("Listeners").First().Required("ListenerArn");
        AmiV1 = await RegisterAmiAsync("v1");
        AmiV2 = await RegisterAmiAsync("v2");
        var template = await Ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = $"dd-{Environment}",
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = AmiV1, InstanceType = InstanceType.T3Micro },
        });
        LaunchTemplateId = template.LaunchTemplate.LaunchTemplateId;
    }

    private async Task<string> RegisterAmiAsync(string version)
    {
        var image = await Ec2.RegisterImageAsync(new RegisterImageRequest { Name = $"sample-{Environment}-{version}", Architecture = ArchitectureValues.X86_64, RootDeviceName = "/dev/xvda" });
        await Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [image.ImageId], Tags = [new Amazon.EC2.Model.Tag("Version", version)] });
        return image.ImageId;
    }

    public AwsInfraProvider Provider(ILoggerFactory? logs = null, Func<AwsEnvironmentOptions, AwsEnvironmentOptions>? change = null, HttpMessageHandler? handler = null) =>
        new(Options(change), logs, handler);

    /// <summary>The groups of this environment in moto (by tag), however they were made.</summary>
    public async Task<IReadOnlyList<AutoScalingGroup>> GroupsAsync() =>
        await AutoScaling.DescribeAutoScalingGroupsAsync([], new(AwsNames.EnvironmentTag, Environment), CancellationToken.None);

    /// <summary>The target groups in moto tagged with this environment.</summary>
    public async Task<IReadOnlyList<string>> TargetGroupsAsync()
    {
        var all = await ElbTransport.SendAsync(new QueryRequest("DescribeTargetGroups"), CancellationToken.None);
        var arns = all.Members("TargetGroups").Select(t => t.Required("TargetGroupArn")).ToList();
        if (arns.Count == 0)
        {
            return [];
        }

        var tags = await LoadBalancing.DescribeTagsAsync(arns, CancellationToken.None);
        return [.. arns.Where(a => tags.GetValueOrDefault(a)?.GetValueOrDefault(AwsNames.EnvironmentTag) == Environment)];
    }

    /// <summary>The header rules on the listener (every rule but the default), by the infra-set id each one matches.</summary>
    public async Task<IReadOnlyList<string>> RuleHeaderValuesAsync() =>
        [.. (await LoadBalancing.DescribeRulesAsync(ListenerArn, CancellationToken.None)).Where(r => r.Priority != "default").SelectMany(r => r.HeaderValues)];

    /// <summary>The launch template versions the provider made (by description).</summary>
    public async Task<IReadOnlyList<string>> TemplateVersionDescriptionsAsync()
    {
        var versions = await Ec2.DescribeLaunchTemplateVersionsAsync(new DescribeLaunchTemplateVersionsRequest { LaunchTemplateId = LaunchTemplateId });
        return [.. versions.LaunchTemplateVersions.Select(v => v.VersionDescription).Where(d => d is not null && d.StartsWith("dd:", StringComparison.Ordinal))];
    }

    /// <summary>The listener's forward weights as moto reports them, by infra-set id (read without the
    /// provider).</summary>
    public async Task<IReadOnlyDictionary<string, int>> ListenerWeightsAsync()
    {
        var listener = await LoadBalancing.DescribeListenerAsync(ListenerArn, CancellationToken.None);
        if (listener.DefaultActionType != "forward")
        {
            return new Dictionary<string, int>();
        }

        var tags = await LoadBalancing.DescribeTagsAsync([.. listener.Forward.Select(f => f.TargetGroupArn)], CancellationToken.None);
        return listener.Forward.ToDictionary(f => tags[f.TargetGroupArn][AwsNames.InfraSetTag], f => f.Weight);
    }

    public void Dispose()
    {
        Ec2.Dispose();
        http.Dispose();
    }

    private AwsQueryTransport Transport(string service, string version, ILogger logger) =>
        new(new AwsServiceEndpoint(service, version, Moto.Url, "us-east-1"), http, Dummy, new AwsRetryOptions(), logger);
}
