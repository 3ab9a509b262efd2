using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using DurableDelivery.Providers.Aws.AutoScaling;
using DurableDelivery.Providers.Aws.CloudWatch;
using DurableDelivery.Providers.Aws.Ec2;
using DurableDelivery.Providers.Aws.LoadBalancing;
using DurableDelivery.Providers.Aws.Query;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DurableDelivery.Providers.Aws;

/// <summary>
/// <see cref="IInfraProvider"/> on AWS: an infra-set is a launch template version (the environment's template with the
/// artifact's AMI), a target group and an Auto Scaling group, named after the idempotency key and tagged with the
/// environment, infra-set id, key and spec digest; traffic moves by the weights of the environment listener's
/// <c>forward</c> action. See docs/aws.md.
/// </summary>
/// <remarks>
/// <para>The provider keeps no state of its own: everything it needs to answer (specs, idempotency keys of the last
/// weight change, the revision, deleted infra-sets) lives in tags on the AWS resources, so any worker can serve any
/// call.</para>
/// <para>Auto Scaling, ELBv2 and CloudWatch are called through signed Query API clients, EC2 through AWSSDK.EC2.</para>
/// </remarks>
public sealed partial class AwsInfraProvider : IInfraProvider, IDisposable
{
    private readonly AwsProviderOptions options;
    private readonly AwsClients clients;
    private readonly ILogger logger;
    private readonly IDisposable? owned;

    /// <summary>Initializes a new instance of the <see cref="AwsInfraProvider"/> class.</summary>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="loggerFactory">Where calls and their request ids are logged.</param>
    /// <param name="queryHandler">The HTTP handler of the Query clients (tests observe requests with it); <see
    /// langword="null"/> for the default.</param>
    /// <exception cref="InfraRequestRejectedException">The settings are invalid or no credentials can be found (<see
    /// cref="InfraProviderErrorReason.InvalidSpec"/>).</exception>
    public AwsInfraProvider(AwsProviderOptions options, ILoggerFactory? loggerFactory = null, HttpMessageHandler? queryHandler = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new InfraRequestRejectedException(InfraProviderErrorReason.InvalidSpec, $"AWS provider settings: {string.Join(" ", problems)}");
        }

        this.options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        logger = loggerFactory.CreateLogger<AwsInfraProvider>();
        var credentials = ResolveCredentials(options);
        var http = queryHandler is null ? new HttpClient() : new HttpClient(queryHandler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        var ec2Config = new AmazonEC2Config { AuthenticationRegion = options.Region };
        if (options.ServiceUrl is { } url)
        {
            ec2Config.ServiceURL = url.ToString();
        }
        else
        {
            ec2Config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        var ec2 = new AmazonEC2Client(credentials, ec2Config);
        owned = new Owned(http, ec2);
        AwsQueryTransport Transport(string signingName, string apiVersion, string host) =>
            new(options.Endpoint(signingName, apiVersion, host), http, credentials, options.Retry, loggerFactory.CreateLogger($"DurableDelivery.Providers.Aws.{signingName}"));
        clients = new AwsClients(
            new Ec2SdkClient(ec2, loggerFactory.CreateLogger("DurableDelivery.Providers.Aws.ec2")),
            new AutoScalingQueryClient(Transport(AutoScalingQueryClient.SigningName, AutoScalingQueryClient.ApiVersion, "autoscaling")),
            new LoadBalancingQueryClient(Transport(LoadBalancingQueryClient.SigningName, LoadBalancingQueryClient.ApiVersion, "elasticloadbalancing")),
            new CloudWatchQueryClient(Transport(CloudWatchQueryClient.SigningName, CloudWatchQueryClient.ApiVersion, "monitoring")));
    }

    /// <summary>Initializes a new instance of the <see cref="AwsInfraProvider"/> class over given clients (tests
    /// decorate them).</summary>
    internal AwsInfraProvider(AwsProviderOptions options, AwsClients clients, ILogger logger)
    {
        this.options = options;
        this.clients = clients;
        this.logger = logger;
    }

    /// <summary>Gets the clients, so tests can wrap them.</summary>
    internal AwsClients Clients => clients;

    /// <summary>Gets the settings.</summary>
    internal AwsProviderOptions Options => options;

    /// <inheritdoc />
    public InfraProviderCapabilities Capabilities => new()
    {
        Name = "aws",
        MaxWeight = 999,
        MaxMetricsWindow = options.MaxMetricsWindow,
        PerSecondMetrics = false,
        LatencyPercentiles = true,
        ObservableDrain = false,
    };

    /// <inheritdoc />
    public Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            RequireKey(idempotencyKey);
            var env = Environment(spec.Environment);
            await ValidateEnvironmentAsync(spec.Environment, env, cancellationToken).ConfigureAwait(false);
            var listener = await clients.LoadBalancing.DescribeListenerAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
            if (spec.Port != 0 && spec.Port != listener.Port)
            {
                throw Rejected(InfraProviderErrorReason.ListenerConflict,
                    $"Environment '{spec.Environment}': "
                    + $"listener {env.ListenerArn} listens on port {listener.Port}, not {spec.Port}; "
                    + "leave the port unset for the aws provider or change the listener in the stack.");
            }

            var lb = await clients.LoadBalancing.DescribeLoadBalancerAsync(listener.LoadBalancerArn, cancellationToken).ConfigureAwait(false);
            return new ListenerInfo
            {
                Environment = spec.Environment,
                Port = listener.Port,
                Endpoint = $"{listener.Protocol.ToLowerInvariant()}://{lb.DnsName}:{listener.Port}",
                Weights = await ReadWeightsAsync(spec.Environment, listener, cancellationToken).ConfigureAwait(false),
            };
        });

    /// <inheritdoc />
    public void Dispose() => owned?.Dispose();

    private AwsEnvironmentOptions Environment(string environment) =>
        options.Environments.TryGetValue(environment, out var env)
            ? env
            : throw Rejected(InfraProviderErrorReason.InvalidSpec,
                $"Environment '{environment}' is not configured for the aws provider; "
                + "add it under 'environments' in the AWS provider settings (listenerArn, subnets, launchTemplate).");

    /// <summary>Checks that the environment's listener, subnets and launch template exist; nothing is created before
    /// this passes.</summary>
    private async Task<Ec2LaunchTemplate> ValidateEnvironmentAsync(string name, AwsEnvironmentOptions env, CancellationToken cancellationToken)
    {
        try
        {
            await clients.LoadBalancing.DescribeListenerAsync(env.ListenerArn, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsQueryException e) when (e.Code is "ListenerNotFound" or "ValidationError")
        {
            throw Rejected(InfraProviderErrorReason.InvalidSpec,
                $"Environment '{name}': listener {env.ListenerArn} does not exist; "
                + "set 'listener.arn' to the stack's ListenerArn output (aws elbv2 describe-listeners).");
        }

        var missing = await clients.Ec2.MissingSubnetsAsync(env.Subnets, cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw Rejected(InfraProviderErrorReason.InvalidSpec, $"Environment '{name}': subnet {string.Join(", ", missing)} does not exist; list existing subnets of the listener's VPC under 'subnets' (aws ec2 describe-subnets).");
        }

        return await clients.Ec2.DescribeLaunchTemplateAsync(env.LaunchTemplate, cancellationToken).ConfigureAwait(false)
            ?? throw Rejected(InfraProviderErrorReason.InvalidSpec,
                $"Environment '{name}': launch template {env.LaunchTemplate} does not exist; "
                + "set 'launchTemplate' to the stack's LaunchTemplateId output (aws ec2 describe-launch-templates).");
    }

    private static void RequireKey(string idempotencyKey)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey))
        {
            throw Rejected(InfraProviderErrorReason.InvalidSpec, "The idempotency key is empty; pass the activity id or '<workflow-id>/<step>'.");
        }
    }

    private static InfraRequestRejectedException Rejected(InfraProviderErrorReason reason, string message) => new(reason, message);

    /// <summary>Turns AWS and network failures into the contract's exceptions: unreachable or throttled is retryable,
    /// anything else is Internal (retryable).</summary>
    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (InfraProviderException)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (HttpRequestException e)
        {
            throw new InfraProviderUnavailableException($"AWS is unreachable ({e.Message}); check the network and 'serviceUrl', then retry.", e);
        }
        catch (AwsQueryException e) when (e.IsTransient)
        {
            throw new InfraProviderUnavailableException($"AWS {e.Service} {e.Action} kept failing ({e.Code}, request id {e.RequestId}); retry later.", e);
        }
        catch (AmazonServiceException e) when ((int)e.StatusCode >= 500 || AwsErrorCodes.IsThrottling(e.ErrorCode ?? string.Empty))
        {
            throw new InfraProviderUnavailableException($"AWS ec2 kept failing ({e.ErrorCode}, request id {e.RequestId}); retry later.", e);
        }
        catch (AmazonClientException e)
        {
            throw new InfraProviderUnavailableException($"AWS is unreachable ({e.Message}); check the network, region and credentials, then retry.", e);
        }
        catch (Exception e) when (DeniedCode(e) is { } code)
        {
            logger.LogError(e, "AWS denied a call");
            throw new InfraProviderException(InfraProviderErrorReason.Internal,
                $"AWS denied the call ({code}: {e.Message}); "
                + "attach infra/aws's WorkerPolicy to the worker's role or refresh its credentials, then retry.", e);
        }
        catch (Exception e) when (e is AwsQueryException or AmazonServiceException)
        {
            logger.LogError(e, "AWS call failed");
            throw new InfraProviderException(InfraProviderErrorReason.Internal, $"AWS refused a call: {e.Message}", e);
        }
    }

    /// <summary>The error code when AWS refused the caller (permissions or credentials), else <see langword="null"/>.</summary>
    private static string? DeniedCode(Exception e)
    {
        var code = e switch
        {
            AwsQueryException q => q.Code,
            AmazonServiceException s => s.ErrorCode,
            _ => null,
        };
        return code is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation" or "InvalidClientTokenId"
            or "SignatureDoesNotMatch" or "ExpiredToken" or "AuthFailure" or "UnrecognizedClientException"
            ? code
            : null;
    }

    private static AWSCredentials ResolveCredentials(AwsProviderOptions options)
    {
        var c = options.Credentials;
        if (c.AccessKeyId is not null && c.SecretAccessKey is not null)
        {
            return c.SessionToken is null
                ? new BasicAWSCredentials(c.AccessKeyId, c.SecretAccessKey)
                : new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);
        }

        if (c.Profile is not null)
        {
            var chain = c.ProfilesLocation is null ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(c.ProfilesLocation);
            return chain.TryGetAWSCredentials(c.Profile, out var fromProfile)
                ? fromProfile
                : throw Rejected(InfraProviderErrorReason.InvalidSpec, $"AWS credentials missing: profile '{c.Profile}' is not in {c.ProfilesLocation ?? "the shared AWS files"}; add it (aws configure --profile {c.Profile}) or name another profile.");
        }

        try
        {
            return new DefaultAWSCredentialsIdentityResolver().ResolveIdentity(new AmazonEC2Config { AuthenticationRegion = options.Region });
        }
        catch (AmazonClientException e)
        {
            throw new InfraRequestRejectedException(InfraProviderErrorReason.InvalidSpec,
                "AWS credentials missing: "
                + "none in the standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
                + $"~/.aws/credentials, instance role); configure one of them ({e.Message.Split('\n')[0]}).");
        }
    }

    private sealed class Owned(HttpClient http, AmazonEC2Client ec2) : IDisposable
    {
        public void Dispose()
        {
            http.Dispose();
            ec2.Dispose();
        }
    }
}
