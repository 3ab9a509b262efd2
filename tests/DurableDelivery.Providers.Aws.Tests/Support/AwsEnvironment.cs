using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Temporalio.Client;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>An <c>env/&lt;name&gt;</c> workflow declared <c>provider: aws</c> on a moto stack, and deliveries to it
/// through the product's own workflows (whichever worker serves its task queue).</summary>
internal sealed class AwsEnvironment
{
    private AwsEnvironment(TemporalClient client, EnvironmentDeclaration declaration, WorkflowHandle<EnvironmentWorkflow> handle)
    {
        Client = client;
        Declaration = declaration;
        Handle = handle;
    }

    public TemporalClient Client { get; }

    public EnvironmentDeclaration Declaration { get; }

    public WorkflowHandle<EnvironmentWorkflow> Handle { get; }

    /// <summary>Starts <c>env/&lt;stack's environment&gt;</c>: 2 instances, one 100% step, one warm group kept.</summary>
    public static async Task<AwsEnvironment> StartAsync(TemporalClient client, MotoStack stack, string taskQueue)
    {
        var yaml = $$"""
            name: {{stack.Environment}}
            provider: aws
            listener:
              arn: {{stack.ListenerArn}}
            instances: 2
            artifact:
              component: app
              format: "{artifact}"
            rollout:
              - weight: 100
            warmRetention: 1
            """;
        var declaration = EnvironmentDeclaration.Parse(yaml, $"{stack.Environment}.yaml").GetValueOrThrow();
        var handle = await client.StartWorkflowAsync(
            (EnvironmentWorkflow e) => e.RunAsync(new EnvironmentInput { Declaration = declaration }),
            new WorkflowOptions(id: $"env/{stack.Environment}", taskQueue: taskQueue));
        return new AwsEnvironment(client, declaration, handle);
    }

    /// <summary>Requests a delivery of <paramref name="version"/> (artifact <paramref name="ami"/>), waits for its
    /// result and for the environment to take in its end.</summary>
    public async Task<DeliveryResult> DeliverAsync(string version, string ami, string reason)
    {
        var versionSet = VersionSet.Parse($"stack: sample\ncomponents:\n  - name: app\n    version: {version}\n    artifact: {ami}\n", $"{version}.yaml").GetValueOrThrow();
        var ticket = await Handle.ExecuteUpdateAsync(e => e.RequestDeliveryAsync(new DeliveryRequest
        {
            Environment = Declaration, VersionSet = versionSet, RequestedBy = "tester", Reason = reason, RequestedAt = DateTimeOffset.UnixEpoch,
        }));
        await Eventually.EventuallyAsync(
            async () =>
            {
                try
                {
                    await Client.GetWorkflowHandle(ticket.DeliveryId).DescribeAsync();
                    return true;
                }
                catch (Temporalio.Exceptions.RpcException e) when (e.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            $"{ticket.DeliveryId} started");
        var result = await Client.GetWorkflowHandle(ticket.DeliveryId).GetResultAsync<DeliveryResult>();
        await Eventually.EventuallyAsync(
            async () => (await Handle.QueryAsync(e => e.Status)).ActiveDelivery?.DeliveryId != ticket.DeliveryId,
            TimeSpan.FromSeconds(20),
            $"{Handle.Id} took in the end of {ticket.DeliveryId}");
        return result;
    }
}
