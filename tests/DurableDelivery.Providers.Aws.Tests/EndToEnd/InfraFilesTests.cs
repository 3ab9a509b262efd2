using DurableDelivery.Domain.Environments;
using DurableDelivery.Providers.Aws.Query;
using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// The files in infra/aws work: the CloudFormation template deploys (into moto's CloudFormation) and its outputs drive
/// the provider; the example environment file and provider settings are valid.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class InfraFilesTests(MotoServer moto, ITestOutputHelper output)
{
    private static readonly string InfraAws = FindInfraAws();

    [Fact]
    public void ExampleEnvironmentFile_ParsesAsAnAwsEnvironment()
    {
        var parsed = EnvironmentDeclaration.Parse(File.ReadAllText(Path.Combine(InfraAws, "staging.example.yaml")), "staging.example.yaml");
        var declaration = parsed.GetValueOrThrow();
        declaration.Provider.ShouldBe(ProviderKind.Aws);
        declaration.Listener.Arn.ShouldStartWith("arn:aws:elasticloadbalancing:");
        declaration.Validate("staging.example.yaml").ShouldBeEmpty();
    }

    [Fact]
    public void ExampleProviderSettings_LoadAndValidate()
    {
        var options = AwsProviderOptions.Load(Path.Combine(InfraAws, "provider.example.json"));
        options.Region.ShouldBe("eu-west-1");
        options.DeregistrationDelay.ShouldBe(TimeSpan.FromMinutes(5));
        var staging = options.Environments["staging"];
        staging.Subnets.Count.ShouldBe(2);
        staging.LaunchTemplate.ShouldBe("lt-0123456789abcdef0");
        staging.LaunchTemplateSourceVersion.ShouldBe("$Default");

        options.PollInterval.ShouldBe(TimeSpan.FromSeconds(5));
        options.ReadBackTimeout.ShouldBe(new AwsProviderOptions().ReadBackTimeout, "settings the file omits keep their defaults");
        options.Credentials.ShouldBe(new AwsCredentialOptions());

        var unknown = Path.GetTempFileName();
        try
        {
            File.WriteAllText(unknown, """{ "region": "eu-west-1", "pollIntervall": "00:00:01" }""");
            var typo = Should.Throw<InfraRequestRejectedException>(() => AwsProviderOptions.Load(unknown));
            typo.Message.ShouldStartWith($"AWS provider settings file '{unknown}' is not valid: ");
            typo.Message.ShouldContain("pollIntervall");
        }
        finally
        {
            File.Delete(unknown);
        }

        var missing = Should.Throw<InfraRequestRejectedException>(() => AwsProviderOptions.Load("/nonexistent/aws.json"));
        missing.Message.ShouldBe("AWS provider settings file '/nonexistent/aws.json' does not exist; copy infra/aws/provider.example.json and fill in your stack's outputs.");
    }

    [Fact]
    public async Task CloudFormationTemplate_DeploysInMoto_OutputsDriveTheProvider()
    {
        using var stack = await MotoStack.CreateAsync(moto, "cfnami");
        using var http = new HttpClient();
        var cfn = new AwsQueryTransport(new AwsServiceEndpoint("cloudformation", "2010-05-15", moto.Url, "us-east-1"), http, MotoStack.Dummy, new AwsRetryOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var vpc = (await stack.Ec2.DescribeVpcsAsync(new Amazon.EC2.Model.DescribeVpcsRequest())).Vpcs.Single(v => v.IsDefault == true).VpcId;
        await cfn.SendAsync(
            new QueryRequest("CreateStack")
                .Add("StackName", "dd-cfn")
                .Add("TemplateBody", File.ReadAllText(Path.Combine(InfraAws, "delivery-stack.yaml")))
                .AddStructures("Parameters", new Dictionary<string, string> { ["EnvironmentName"] = "cfn", ["VpcId"] = vpc, ["SubnetIds"] = string.Join(',', stack.Subnets), ["ImageId"] = stack.AmiV1 }, p => [("ParameterKey", p.Key), ("ParameterValue", p.Value)])
                .AddList("Capabilities", ["CAPABILITY_IAM"]),
            CancellationToken.None);
        var described = await cfn.SendAsync(new QueryRequest("DescribeStacks").Add("StackName", "dd-cfn"), CancellationToken.None);
        var outputs = described.Members("Stacks").Single().Members("Outputs").ToDictionary(o => o.Required("OutputKey"), o => o.Required("OutputValue"));
        output.WriteLine(string.Join("\n", outputs.Select(o => $"{o.Key} = {o.Value}")));

        var options = stack.Options() with
        {
            Environments = new Dictionary<string, AwsEnvironmentOptions>
            {
                ["cfn"] = new() { ListenerArn = outputs["ListenerArn"], Subnets = outputs["SubnetIds"].Split(','), LaunchTemplate = outputs["LaunchTemplateId"] },
            },
        };
        using var provider = new AwsInfraProvider(options, new XunitLoggerProvider(output));
        var listener = await provider.EnsureListenerAsync(new ListenerSpec { Environment = "cfn" }, "cfn/listener");
        listener.Weights.Weights.ShouldBeEmpty();
        var set = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "cfn", ArtifactId = stack.AmiV2 }, "cfn/create");
        (await provider.WaitHealthyAsync(set.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        (await provider.SetWeightsAsync("cfn", new Dictionary<string, int> { [set.Id] = 100 }, "cfn/w")).Weights.ShouldBe(new Dictionary<string, int> { [set.Id] = 100 });
    }

    private static string FindInfraAws()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "infra", "aws");
            if (File.Exists(Path.Combine(candidate, "delivery-stack.yaml")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"infra/aws/delivery-stack.yaml not found above {AppContext.BaseDirectory}");
    }
}
