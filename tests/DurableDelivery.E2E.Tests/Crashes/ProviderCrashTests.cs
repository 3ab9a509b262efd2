using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;
using Temporalio.Api.Enums.V1;

namespace DurableDelivery.E2E.Tests.Crashes;

/// <summary>
/// Issue 4, 6: the local provider process is SIGKILLed mid-delivery and restarted on the same data dir: the delivery's
/// activities fail while it is down, retry until it is back, and the delivery completes.
/// </summary>
public sealed class ProviderCrashTests : RigTest
{
    private const string Id = "delivery/demo/2";

    [Fact]
    public async Task ProviderKilledRightAfterProvisioning_ActivitiesRetryUntilItIsBack_DeliveryPromoted()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v1Pids = (await Rig.Provider.DescribeInfraSetAsync(v1))!.Instances.Select(i => i.ProcessId).ToList();
        var weightsBefore = await Rig.Provider.GetWeightsAsync(DeliveryRig.Env);

        // Kill the provider the moment it lists the new infra-set: its instances are still starting, so the delivery
        // is provisioning or waiting for health, and its next provider call finds nobody.
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe(Id);
        var v2 = (await Eventually.UntilAsync(
            () => Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env),
            sets => sets.Count == 2,
            TimeSpan.FromSeconds(60),
            "the provider lists v2's infra-set")).Single(s => s.Id != v1).Id;
        await Rig.KillProviderAsync();

        // The activity in flight fails with "provider unavailable" and is retried.
        var retrying = await Eventually.UntilAsync(
            () => Rig.DescribeRawAsync(Id),
            d => d.PendingActivities.Any(a => a.Attempt >= 2 && a.LastFailure is not null),
            TimeSpan.FromSeconds(60),
            "an activity of the delivery fails and is retried while the provider is down");
        var pending = retrying.PendingActivities.Single(a => a.Attempt >= 2);
        pending.ActivityType.Name.ShouldBeOneOf("CreateInfraSet", "WaitHealthy");
        pending.LastFailure!.Message.ShouldContain("provider", Case.Insensitive);
        (await Rig.DeliveryStatusAsync(Id)).Outcome.ShouldBeNull("the delivery waits for the provider rather than fail");

        // Back on the same data dir: it re-adopts the instances that kept running and reopens the listener with its weights.
        await Rig.StartProviderAsync();
        (await Rig.Provider.DescribeInfraSetAsync(v1))!.Instances.Select(i => i.ProcessId).ShouldBe(v1Pids, "v1's instances kept running and were re-adopted");
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(weightsBefore.Revision);
        var ended = await Rig.WaitSettledAsync(Id);
        (ended.Outcome, ended.OutcomeReason, ended.InfraSetId).ShouldBe((DeliveryOutcome.Promoted, "Promoted", v2), ended.OutcomeMessage);

        var events = (await Rig.Client.GetWorkflowHandle(Id).FetchHistoryAsync()).Events;
        events.ShouldContain(e => e.EventType == EventType.ActivityTaskStarted && e.ActivityTaskStartedEventAttributes.Attempt >= 2, "an activity completed on a retry");
        (await Rig.Client.GetWorkflowHandle(Id).DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Completed);
        (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).Order().ShouldBe([v1, v2]);
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", Id).ShouldBe([v1, v2]);
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100");
        var promoted = Rig.Monitor.Tables[^1];
        var served = await Rig.Load!.WaitForSentSinceAsync(promoted.FirstSeen, 100, "after v2 is promoted");
        served.ShouldAllBe(r => r.Version == "v2" && r.StatusCode == 200, ListenerLoad.Describe(served));
        await Rig.ShouldKeepInvariantsAsync();
    }
}
