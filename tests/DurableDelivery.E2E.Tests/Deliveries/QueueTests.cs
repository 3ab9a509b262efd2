using DurableDelivery.Domain.Traffic;
using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Deliveries;

/// <summary>
/// Issue 4, 7 (at most one delivery active): requests made while a delivery runs wait their turn, and a newer waiting
/// request supersedes an older one (the demo environment's <c>supersedeQueued</c>).
/// </summary>
public sealed class QueueTests() : RigTest(new RigOptions { FirstBake = TimeSpan.FromSeconds(10) })
{
    [Fact]
    public async Task RequestsWhileOneRuns_WaitTheirTurn_NewestSupersedesWaiting_NeverTwoDeliveriesAtOnce()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;

        // v2 runs and is held (paused) while two more requests come in, so that they certainly find it running.
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe("delivery/demo/2");
        await Rig.WaitPhaseAsync("delivery/demo/2", DeliveryPhase.Baking, step: 0);
        (await Rig.CliAsync("delivery", "pause", "delivery/demo/2", "--reason", "hold", "--as", "tester")).ExitCode.ShouldBe(0);
        var queued = (await Rig.CliAsync("deliver", DeliveryRig.Env, "--version-set", DeliveryRig.VersionSet("v3"), "--environment-file", Rig.EnvironmentFile, "-o", "json")).OkJson();
        (queued["deliveryId"]!.GetValue<string>(), queued["position"]!.GetValue<int>()).ShouldBe(("delivery/demo/3", 1));
        var newest = (await Rig.CliAsync("deliver", DeliveryRig.Env, "--version-set", DeliveryRig.VersionSet("v1"), "--environment-file", Rig.EnvironmentFile, "-o", "json")).OkJson();
        (newest["deliveryId"]!.GetValue<string>(), newest["position"]!.GetValue<int>()).ShouldBe(("delivery/demo/4", 1));
        newest["superseded"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldBe(["delivery/demo/3"]);
        var env = (await Rig.EnvironmentStatusAsync());
        (env.ActiveDelivery?.DeliveryId, string.Join(",", env.Queue)).ShouldBe(("delivery/demo/2", "delivery/demo/4"));
        await Rig.ShouldKeepInvariantsAsync();
        (await Rig.CliAsync("delivery", "resume", "delivery/demo/2", "--reason", "go", "--as", "tester")).ExitCode.ShouldBe(0);

        await Rig.KeepCheckingInvariantsUntilAsync(async () => await Rig.EnvironmentStatusAsync() is { ActiveDelivery: null, Queue.Count: 0 }, "env/demo runs v2, then the newest request");

        var second = await Rig.WaitSettledAsync("delivery/demo/2");
        var fourth = await Rig.WaitSettledAsync("delivery/demo/4");
        (second.Outcome, fourth.Outcome).ShouldBe((DeliveryOutcome.Promoted, DeliveryOutcome.Promoted));
        fourth.StableInfraSetId.ShouldBe(second.InfraSetId, "the newest request ran after v2 and was compared with it");

        // The superseded request never ran: no workflow, no infra-set; its line says why.
        var superseded = await Rig.DeliveryStatusJsonAsync("delivery/demo/3");
        superseded["state"]!.GetValue<string>().ShouldBe("Superseded");
        superseded["reason"]!.GetValue<string>().ShouldBe("delivery/demo/4");
        superseded["workflowStatus"].ShouldBeNull();
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", "delivery/demo/2", "delivery/demo/4").ShouldBe([v1, second.InfraSetId!, fourth.InfraSetId!]);

        // The delivery workflows' own start and close times: each started after the one before it closed.
        var runs = (await Rig.CliAsync("workflow", "list", "--prefix", "delivery/demo/", "-o", "json")).OkJson().AsArray()
            .Select(r => (Id: r!["workflowId"]!.GetValue<string>(), Start: r["startTime"]!.GetValue<DateTimeOffset>(), Close: r["closeTime"]!.GetValue<DateTimeOffset>()))
            .OrderBy(r => r.Start)
            .ToList();
        runs.Select(r => r.Id).ShouldBe(["delivery/demo/1", "delivery/demo/2", "delivery/demo/4"]);
        for (var i = 1; i < runs.Count; i++)
        {
            runs[i].Start.ShouldBeGreaterThanOrEqualTo(runs[i - 1].Close, $"{runs[i].Id} started after {runs[i - 1].Id} closed");
        }

        var (v2, v1Again) = (second.InfraSetId, fourth.InfraSetId);
        Rig.ShouldHaveAppliedTables(
            $"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100", $"{v1Again}=10,{v2}=90", $"{v1Again}=50,{v2}=50", $"{v1Again}=100");
        await Rig.ShouldKeepInvariantsAsync();
    }
}
