using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Providers;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Deliveries;

/// <summary>Issue 4, 1: a good delivery of v1 then v2 is promoted in steps, seen at the provider and by real requests.</summary>
public sealed class GoodDeliveryTests : RigTest
{
    [Fact]
    public async Task V1ThenV2_PromotedThroughTenFiftyHundred_OldInfraSetStaysWarm()
    {
        // v1: the environment's first delivery goes straight to 100% (there is nothing to compare with).
        var first = await Rig.DeliverAndWatchAsync(DeliveryRig.VersionSet("v1"));
        var v1Status = first.OkJson();
        v1Status["outcome"]!.GetValue<string>().ShouldBe("Promoted");
        var v1 = v1Status["infraSetId"]!.GetValue<string>();
        v1.ShouldBe("demo-sample-v1-0001");
        await Rig.WaitSettledAsync("delivery/demo/1");
        await Rig.ShouldKeepInvariantsAsync();
        var onV1 = await Rig.Load!.WaitForSentSinceAsync(ListenerLoad.Now, 50, "after v1 is promoted");
        onV1.ShouldAllBe(r => r.Version == "v1" && r.StatusCode == 200, ListenerLoad.Describe(onV1));

        // v2: 10% and 50% with a gate each, then 100%; the invariants hold at every moment we look, also mid-delivery.
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe("delivery/demo/2");
        await Rig.KeepCheckingInvariantsUntilAsync(async () => (await Rig.DeliveryStatusAsync("delivery/demo/2")).Outcome is not null, "delivery/demo/2 ends");
        var status = (await Rig.CliAsync("delivery", "watch", "delivery/demo/2", "-o", "json")).OkJson();
        status["outcome"]!.GetValue<string>().ShouldBe("Promoted", status.ToJsonString());
        status["outcomeReason"]!.GetValue<string>().ShouldBe("Promoted");
        var v2 = status["infraSetId"]!.GetValue<string>();
        v2.ShouldBe("demo-sample-v2-0002");
        status["stableInfraSetId"]!.GetValue<string>().ShouldBe(v1);
        var steps = status["steps"]!.AsArray();
        steps.Select(s => s!["percent"]!.GetValue<int>()).ShouldBe([10, 50, 100]);
        foreach (var gated in steps.Take(2))
        {
            var gates = gated!["gates"]!.AsArray();
            gates.Count.ShouldBe(1, gated.ToJsonString());
            gates[0]!["result"]!["verdict"]!.GetValue<string>().ShouldBe("Pass", gated.ToJsonString());
            gates[0]!["canaryRequests"]!.GetValue<long>().ShouldBeGreaterThan(0);
            gates[0]!["stableRequests"]!.GetValue<long>().ShouldBeGreaterThan(0);
        }

        steps[2]!["gates"]!.AsArray().ShouldBeEmpty("at 100% the stable infra-set takes no traffic: no gate");
        await Rig.WaitSettledAsync("delivery/demo/2");

        // At the provider: exactly these tables, in this order (promotion re-applies the last one under a new revision).
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100");

        // At the listener: what real requests got while each table was in effect.
        var tables = Rig.Monitor.Tables;
        var ten = Rig.Load!.Within(tables.First(t => t.WeightOf(v2) == 10).FirstSeen, tables.Last(t => t.WeightOf(v2) == 10).LastSeen);
        var fifty = Rig.Load.Within(tables.First(t => t.WeightOf(v2) == 50).FirstSeen, tables.Last(t => t.WeightOf(v2) == 50).LastSeen);
        ten.Count.ShouldBeGreaterThan(100, ListenerLoad.Describe(ten));
        fifty.Count.ShouldBeGreaterThan(100, ListenerLoad.Describe(fifty));
        ListenerLoad.ShareOf(ten, "v2").ShouldBeInRange(0.02, 0.22, ListenerLoad.Describe(ten));
        ListenerLoad.ShareOf(fifty, "v2").ShouldBeInRange(0.35, 0.65, ListenerLoad.Describe(fifty));
        var afterPromotion = await Rig.Load.WaitForSentSinceAsync(Rig.Monitor.Tables.Last().FirstSeen, 100, "after v2 is promoted");
        afterPromotion.ShouldAllBe(r => r.Version == "v2", ListenerLoad.Describe(afterPromotion));
        var all = Rig.Load.SentSince(tables[0].FirstSeen);
        all.ShouldAllBe(r => r.StatusCode == 200, $"no request fails while good versions are delivered: {ListenerLoad.Describe(all)}");

        // The old infra-set stays warm: healthy at the provider, warm and the default rollback target in the environment.
        (await Rig.Provider.DescribeInfraSetAsync(v1))!.Status.ShouldBe(InfraSetStatus.Healthy);
        var env = await Rig.EnvStatusJsonAsync();
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v2);
        env["rollbackTarget"]!.GetValue<string>().ShouldBe(v1);
        env["warm"]!.AsArray().Select(w => w!.GetValue<string>()).ShouldBe([v1, v2]);
        env["deliveries"]!.AsArray().Select(d => $"{d!["deliveryId"]} {d["outcome"]}").ShouldBe(["delivery/demo/1 Promoted", "delivery/demo/2 Promoted"]);
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", "delivery/demo/2").ShouldBe([v1, v2]);
        await Rig.ShouldKeepInvariantsAsync();
    }
}
