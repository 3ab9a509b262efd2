using DurableDelivery.Domain.Traffic;
using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Crashes;

/// <summary>
/// Issue 4, 5: the worker process is SIGKILLed at several points of one delivery (by its crash points, which kill at
/// an exact moment of an activity, and by the test at observed phases), each time a new worker is started on the same
/// task queue. The delivery finishes as if nothing happened: one infra-set, each traffic change applied once, no
/// invalid weights at any moment, no override lost.
/// </summary>
/// <remarks>
/// An activity whose worker died is retried by Temporal when its start-to-close timeout (30 s for provider calls) has
/// passed: each crash inside an activity costs that long.
/// </remarks>
public sealed class WorkerCrashTests : RigTest
{
    private const string Id = "delivery/demo/2";

    [Fact]
    public async Task KilledAfterProvisioning_BeforeAWeightChange_AndWhileBaking_FinishesWithOneInfraSetAndEachChangeOnce()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.Worker.KillAsync();

        // Provisioning: the worker dies as soon as CreateInfraSet is done, with the infra-set created at the provider and
        // the result unreported.
        var worker = await Rig.StartWorkerAsync("activity-completed:CreateInfraSet:1");
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe(Id);
        await worker.WaitForCrashAsync(TimeSpan.FromSeconds(60));
        var v2 = (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).Single(id => id != v1);
        (await Rig.CompletedActivitiesAsync(Id)).ShouldBe(["EnsureListener"], "the provider created the infra-set; the server has no result");

        // The retried CreateInfraSet gets the same infra-set back, WaitHealthy passes, and the worker dies as the 10%
        // weights start: nothing reached the listener.
        worker = await Rig.StartWorkerAsync("activity-started:SetWeights:1");
        await worker.WaitForCrashAsync(TimeSpan.FromSeconds(90));
        (await Rig.CompletedActivitiesAsync(Id)).ShouldBe(["EnsureListener", "CreateInfraSet", "WaitHealthy"]);
        WeightTable.Format((await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Weights).ShouldBe($"{v1}=100", "killed before the 10% step ran");

        // During the 10% bake: SIGKILL as soon as the delivery is seen baking.
        worker = await Rig.StartWorkerAsync();
        await Rig.WaitPhaseAsync(Id, DeliveryPhase.Baking, step: 0);
        WeightTable.Format((await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Weights).ShouldBe($"{v1}=90,{v2}=10");
        await worker.KillAsync();

        // A clean worker finishes the delivery.
        await Rig.StartWorkerAsync();
        var ended = await Rig.WaitSettledAsync(Id, TimeSpan.FromSeconds(120));
        (ended.Outcome, ended.OutcomeReason, ended.InfraSetId).ShouldBe((DeliveryOutcome.Promoted, "Promoted", v2), ended.OutcomeMessage);
        ended.Steps.Take(2).ShouldAllBe(s => s.Gates.Count == 1 && s.Gates[0].Result.Verdict == Domain.Gates.GateVerdict.Pass);

        // One infra-set per delivery (the provider's list, its ids, and the keys that created them).
        (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).Order().ShouldBe([v1, v2]);
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", Id).ShouldBe([v1, v2]);

        // Each traffic change applied once: four keys (10%, 50%, 100%, promote), four revisions after v1's two, and
        // the tables in order with nothing in between.
        Rig.ProviderKeys("set-weights", Id).Count.ShouldBe(4, string.Join(", ", Rig.ProviderKeys("set-weights", Id)));
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(6);
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100");
        await Rig.ShouldKeepInvariantsAsync();
    }

    [Fact]
    public async Task KilledDuringTheAutomaticRollback_StillRolledBackOnceAndV3Deleted()
    {
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v3"))).ShouldBe(Id);
        var v3 = (await Rig.WaitPhaseAsync(Id, DeliveryPhase.Baking, step: 0)).InfraSetId!;
        await Rig.Worker.KillAsync();

        // The gate's samples (after a health check of the canary, when the new worker takes over after its due time),
        // then the rollback's weights: applied at the provider, unreported.
        var worker = await Rig.StartWorkerAsync("activity-completed:SetWeights:1");
        await worker.WaitForCrashAsync(TimeSpan.FromSeconds(60));
        (await Rig.CompletedActivitiesAsync(Id)).Where(a => a != "DescribeInfraSet").ShouldBe(["EnsureListener", "CreateInfraSet", "WaitHealthy", "SetWeights", "CollectGateSamples"]);
        WeightTable.Format((await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Weights).ShouldBe($"{v2}=100", "the rollback reached the listener");

        // The next worker retries the rollback's weights (same key: nothing changes at the provider) and cleans up.
        await Rig.StartWorkerAsync();
        var ended = await Rig.WaitSettledAsync(Id, TimeSpan.FromSeconds(120));
        (ended.Outcome, ended.OutcomeReason).ShouldBe((DeliveryOutcome.RolledBack, "GateFailed"), ended.OutcomeMessage);
        ended.Steps[0].Gates.Single().Result.Verdict.ShouldBe(Domain.Gates.GateVerdict.Fail);
        ended.Timeline.Select(t => t.Kind).ShouldBe(["Requested", "Provisioned", "Healthy", "WeightsSet", "GateFailed", "RolledBack", "Drained", "Deleted", "Ended"]);
        (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).ShouldBe([v2]);
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", Id).ShouldBe([v2, v3]);
        Rig.ProviderKeys("set-weights", Id).Count.ShouldBe(2, "the 10% step and the rollback, each applied once");
        Rig.ProviderKeys("drain", Id).Count.ShouldBe(1);
        Rig.ProviderKeys("delete-infra-set", Id).Count.ShouldBe(1);
        Rig.ShouldHaveAppliedTables($"{v2}=100", $"{v2}=90,{v3}=10", $"{v2}=100");
        var back = Rig.Monitor.Tables[^1];
        var afterRollback = await Rig.Load!.WaitForSentSinceAsync(back.FirstSeen, 100, "after the rollback");
        afterRollback.ShouldAllBe(r => r.Version == "v2" && r.StatusCode == 200, ListenerLoad.Describe(afterRollback));
        await Rig.ShouldKeepInvariantsAsync();
    }
}
