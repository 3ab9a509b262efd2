using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Providers.Aws.Tests.Support;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using DurableDelivery.Workflows.Tests.Support;
using Temporalio.Worker;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// A delivery through the product's own workflows and activities (unchanged) on the AWS provider: the embedded Temporal
/// server in this process, a Temporalio worker registered as ddctl's, moto behind the provider. v1, then v2, then a
/// manual rollback; after each, the listener in moto says what the environment workflow says.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class TemporalDeliveryTests(MotoServer moto, ITestOutputHelper output)
{
    [Fact]
    public async Task Delivery_V1ThenV2ThenManualRollback_ThroughWorkflows_ListenerFollows()
    {
        using var stack = await MotoStack.CreateAsync(moto, "wf");
        using var provider = stack.Provider(new XunitLoggerProvider(output));
        await using var temporal = await TestTemporal.StartAsync();
        using var worker = new TemporalWorker(temporal.Client, WorkflowRegistry.Register(new TemporalWorkerOptions("aws"), provider));
        await worker.ExecuteAsync(async () =>
        {
            var env = await AwsEnvironment.StartAsync(temporal.Client, stack, "aws");
            var environment = env.Handle;
            Task<DeliveryResult> DeliverAsync(string version, string ami) => env.DeliverAsync(version, ami, "aws e2e");

            async Task ListenerMatchesEnvironmentAsync(TrafficWeights expected)
            {
                var status = await environment.QueryAsync(e => e.Status);
                status.Weights.ShouldBe(expected);
                (await stack.ListenerWeightsAsync()).ShouldBe(expected.Weights, ignoreOrder: true);
                (await provider.GetWeightsAsync("wf")).Weights.ShouldBe(expected.Weights, ignoreOrder: true);
            }

            var first = await DeliverAsync("1.0.0", stack.AmiV1);
            first.Outcome.ShouldBe(DeliveryOutcome.Promoted, first.Message);
            var v1 = first.InfraSetId!;
            await ListenerMatchesEnvironmentAsync(TrafficWeights.All(v1));

            var second = await DeliverAsync("2.0.0", stack.AmiV2);
            second.Outcome.ShouldBe(DeliveryOutcome.Promoted, second.Message);
            var v2 = second.InfraSetId!;
            var afterV2 = await environment.QueryAsync(e => e.Status);
            afterV2.RollbackTarget.ShouldBe(v1);
            afterV2.Weights.WeightOf(v2).ShouldBe(afterV2.Weights.Total);
            await ListenerMatchesEnvironmentAsync(afterV2.Weights);
            (await provider.DescribeReadinessAsync("wf")).Single(r => r.InfraSetId == v1).Ready.ShouldBeTrue();

            var rollback = await environment.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "erin", Reason = "pager", RequestedAt = DateTimeOffset.UnixEpoch }));
            output.WriteLine($"rollback: {rollback.Message}");
            rollback.Weights.WeightOf(v1).ShouldBe(rollback.Weights.Total, rollback.Message);
            var afterRollback = await environment.QueryAsync(e => e.Status);
            afterRollback.Weights.WeightOf(v1).ShouldBe(afterRollback.Weights.Total);
            await ListenerMatchesEnvironmentAsync(afterRollback.Weights);
            (await stack.GroupsAsync()).Count.ShouldBe(2);
        });
    }
}
