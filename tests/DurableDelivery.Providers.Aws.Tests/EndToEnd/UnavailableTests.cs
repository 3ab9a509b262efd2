using System.Net;
using System.Net.Sockets;
using DurableDelivery.Providers.Aws.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>AWS out of reach: each call is retried with backoff, then reported as retryable
/// ProviderUnavailable.</summary>
public sealed class UnavailableTests
{
    [Fact]
    public async Task Endpoint_Unreachable_RetriedThenProviderUnavailable()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        using var recorder = new RecordingHandler();
        var options = new AwsProviderOptions
        {
            ServiceUrl = new Uri($"http://127.0.0.1:{port}/"),
            Credentials = new AwsCredentialOptions { AccessKeyId = "testing", SecretAccessKey = "testing" },
            Environments = new Dictionary<string, AwsEnvironmentOptions>
            {
                ["down"] = new() { ListenerArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/dd-down/1/2", Subnets = ["subnet-1"], LaunchTemplate = "lt-1" },
            },
            Retry = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
        };
        using var provider = new AwsInfraProvider(options, queryHandler: recorder);

        var e = await Should.ThrowAsync<InfraProviderUnavailableException>(() => provider.GetWeightsAsync("down"));
        e.Reason.ShouldBe(InfraProviderErrorReason.ProviderUnavailable);
        e.IsRetryable.ShouldBeTrue();
        e.Message.ShouldStartWith("AWS is unreachable (");
        e.Message.ShouldEndWith("); check the network and 'serviceUrl', then retry.");
        recorder.Requests.Select(r => r.Action).ShouldBe(["DescribeListeners", "DescribeListeners", "DescribeListeners"]);
    }
}
