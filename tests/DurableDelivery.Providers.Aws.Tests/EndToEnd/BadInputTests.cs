using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>Every bad input is one line naming the problem and the fix, raised before anything is created.</summary>
[Collection(MotoCollection.Name)]
public sealed class BadInputTests(MotoServer moto, ITestOutputHelper output)
{
    private const string Missing = "0000000000000000f";

    [Fact]
    public async Task Create_MissingListener_InvalidSpecNothingCreated()
    {
        using var stack = await MotoStack.CreateAsync(moto, "badlistener");
        var arn = stack.ListenerArn[..stack.ListenerArn.LastIndexOf('/')] + "/" + Missing;
        using var provider = stack.Provider(new XunitLoggerProvider(output), env => env with { ListenerArn = arn });

        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack), "bad/1"), InfraProviderErrorReason.InvalidSpec,
            $"Environment 'badlistener': listener {arn} does not exist; set 'listener.arn' to the stack's ListenerArn output (aws elbv2 describe-listeners).");
        await RejectedAsync(stack, () => provider.EnsureListenerAsync(new ListenerSpec { Environment = "badlistener" }, "bad/l"), InfraProviderErrorReason.InvalidSpec,
            $"Environment 'badlistener': listener {arn} does not exist; set 'listener.arn' to the stack's ListenerArn output (aws elbv2 describe-listeners).");
        await RejectedAsync(stack, () => provider.GetWeightsAsync("badlistener"), InfraProviderErrorReason.UnknownListener,
            $"Environment 'badlistener': listener {arn} does not exist; set 'listener.arn' to the stack's ListenerArn output.");
    }

    [Fact]
    public async Task Create_MissingSubnet_InvalidSpecNothingCreated()
    {
        using var stack = await MotoStack.CreateAsync(moto, "badsubnet");
        using var provider = stack.Provider(new XunitLoggerProvider(output), env => env with { Subnets = [env.Subnets[0], "subnet-" + Missing] });

        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack), "bad/1"), InfraProviderErrorReason.InvalidSpec,
            $"Environment 'badsubnet': subnet subnet-{Missing} does not exist; list existing subnets of the listener's VPC under 'subnets' (aws ec2 describe-subnets).");
    }

    [Fact]
    public async Task Create_MissingLaunchTemplate_InvalidSpecNothingCreated()
    {
        using var stack = await MotoStack.CreateAsync(moto, "badtemplate");
        using var provider = stack.Provider(new XunitLoggerProvider(output), env => env with { LaunchTemplate = "lt-" + Missing });

        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack), "bad/1"), InfraProviderErrorReason.InvalidSpec,
            $"Environment 'badtemplate': launch template lt-{Missing} does not exist; set 'launchTemplate' to the stack's LaunchTemplateId output (aws ec2 describe-launch-templates).");
    }

    [Fact]
    public async Task Create_MissingAmi_ArtifactNotFoundNothingCreated()
    {
        using var stack = await MotoStack.CreateAsync(moto, "badami");
        using var provider = stack.Provider(new XunitLoggerProvider(output));

        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack) with { ArtifactId = "ami-" + Missing }, "bad/1"), InfraProviderErrorReason.ArtifactNotFound,
            $"AMI ami-{Missing} does not exist in us-east-1; build or copy it there, or fix the version set's artifact.");
    }

    [Fact]
    public async Task Create_BadSpecOrEnvironment_InvalidSpecNothingCreated()
    {
        using var stack = await MotoStack.CreateAsync(moto, "badspec");
        using var provider = stack.Provider(new XunitLoggerProvider(output));

        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack) with { InstanceCount = 21 }, "bad/1"), InfraProviderErrorReason.InvalidSpec,
            "Environment 'badspec': 21 instances is out of range; use 1-20 ('maxInstances' in the AWS provider settings).");
        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack) with { Environment = "nowhere" }, "bad/2"), InfraProviderErrorReason.InvalidSpec,
            "Environment 'nowhere' is not configured for the aws provider; add it under 'environments' in the AWS provider settings (listenerArn, subnets, launchTemplate).");
        await RejectedAsync(stack, () => provider.CreateInfraSetAsync(Spec(stack), " "), InfraProviderErrorReason.InvalidSpec,
            "The idempotency key is empty; pass the activity id or '<workflow-id>/<step>'.");
    }

    [Fact]
    public async Task SetWeights_Over999OrZeroTotalOrUnknown_RejectedListenerUnchanged()
    {
        using var stack = await MotoStack.CreateAsync(moto, "badweights");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        var v1 = await provider.CreateInfraSetAsync(Spec(stack), "w/create");
        (await provider.WaitHealthyAsync(v1.Id, TimeSpan.FromSeconds(20))).Status.ShouldBe(InfraSetStatus.Healthy);
        await provider.SetWeightsAsync("badweights", new Dictionary<string, int> { [v1.Id] = 100 }, "w/1");

        async Task RefusedAsync(Dictionary<string, int> weights, InfraProviderErrorReason reason, string message)
        {
            var e = await Should.ThrowAsync<InfraRequestRejectedException>(() => provider.SetWeightsAsync("badweights", weights, $"w/bad/{weights.Count}/{weights.Values.Sum()}"));
            e.Reason.ShouldBe(reason);
            e.Message.ShouldBe(message);
            (await stack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [v1.Id] = 100 });
            (await provider.GetWeightsAsync("badweights")).Revision.ShouldBe(1);
        }

        await RefusedAsync(new() { [v1.Id] = 1000 }, InfraProviderErrorReason.InvalidWeights, $"Weight 1000 for {v1.Id} is out of range; an ALB forward action takes 0-999.");
        await RefusedAsync(new() { [v1.Id] = 0 }, InfraProviderErrorReason.InvalidWeights, "The weights sum to 0; give at least one healthy infra-set a positive weight.");
        await RefusedAsync(new() { [v1.Id] = 50, ["badweights-nope-000000"] = 50 }, InfraProviderErrorReason.UnknownInfraSet,
            "Infra-set badweights-nope-000000 does not exist in environment 'badweights'; name only infra-sets of this environment.");
    }

    [Fact]
    public void Provider_MissingCredentials_OneLineBeforeAnyCall()
    {
        var empty = Path.GetTempFileName();
        try
        {
            var options = new AwsProviderOptions
            {
                ServiceUrl = moto.Url,
                Credentials = new AwsCredentialOptions { Profile = "nope", ProfilesLocation = empty },
            };
            var e = Should.Throw<InfraRequestRejectedException>(() => new AwsInfraProvider(options));
            e.Reason.ShouldBe(InfraProviderErrorReason.InvalidSpec);
            e.Message.ShouldBe($"AWS credentials missing: profile 'nope' is not in {empty}; add it (aws configure --profile nope) or name another profile.");

            var tooLong = Should.Throw<InfraRequestRejectedException>(() => new AwsInfraProvider(new AwsProviderOptions { MetricsPeriod = TimeSpan.FromSeconds(1), MaxMetricsWindow = TimeSpan.FromHours(1) }));
            tooLong.Message.ShouldBe("AWS provider settings: 'maxMetricsWindow' (01:00:00) holds more than 1440 periods of 00:00:01, the most one CloudWatch call returns; shorten the window or lengthen the period.");

            var half = Should.Throw<InfraRequestRejectedException>(() => new AwsInfraProvider(options with { Credentials = new AwsCredentialOptions { AccessKeyId = "AKIA" } }));
            half.Message.ShouldBe("AWS provider settings: 'credentials' sets only one of 'accessKeyId' and 'secretAccessKey'; set both, or neither to use the standard chain.");
        }
        finally
        {
            File.Delete(empty);
        }
    }

    private static InfraSetSpec Spec(MotoStack stack) => new() { Environment = stack.Environment, ArtifactId = stack.AmiV1, InstanceCount = 1 };

    private static async Task RejectedAsync<T>(MotoStack stack, Func<Task<T>> call, InfraProviderErrorReason reason, string message)
    {
        var e = await Should.ThrowAsync<InfraRequestRejectedException>(call);
        e.Reason.ShouldBe(reason);
        e.Message.ShouldBe(message);
        e.Message.ShouldNotContain("\n");
        (await stack.GroupsAsync()).ShouldBeEmpty();
        (await stack.TargetGroupsAsync()).ShouldBeEmpty();
        (await stack.TemplateVersionDescriptionsAsync()).ShouldBeEmpty();
        (await stack.RuleHeaderValuesAsync()).ShouldBeEmpty();
    }
}
