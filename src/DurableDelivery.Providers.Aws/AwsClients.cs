using DurableDelivery.Providers.Aws.AutoScaling;
using DurableDelivery.Providers.Aws.CloudWatch;
using DurableDelivery.Providers.Aws.Ec2;
using DurableDelivery.Providers.Aws.LoadBalancing;

namespace DurableDelivery.Providers.Aws;

/// <summary>The four service clients the provider talks through (decorated in tests to inject faults).</summary>
internal sealed record AwsClients(IEc2Client Ec2, IAutoScalingClient AutoScaling, ILoadBalancingClient LoadBalancing, ICloudWatchClient CloudWatch);
