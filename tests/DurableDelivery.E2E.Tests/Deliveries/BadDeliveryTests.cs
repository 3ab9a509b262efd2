using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Deliveries;

/// <summary>Issue 4, 2: a bad version after a good one fails its gate and traffic goes back by itself.</summary>
public sealed class BadDeliveryTests : RigTest
{
    [Fact]
    public async Task V3AfterV2_GateFails_TrafficBackOnV2ByItself_V3Deleted_GateNumbersInStatus()
    {
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.ShouldKeepInvariantsAsync();

        var watched = await Rig.DeliverAndWatchAsync(DeliveryRig.VersionSet("v3"));
        watched.ExitCode.ShouldBe(4, watched.ToString());
        watched.Stderr.ShouldStartWith("error: delivery/demo/2 rolled back (GateFailed): health gate failed at step 1 (10%): error rate ");
        await Rig.WaitSettledAsync("delivery/demo/2");
        var v3 = watched.Json()["infraSetId"]!.GetValue<string>();
        v3.ShouldBe("demo-sample-v3-0002");

        // The gate's numbers, as `ddctl delivery status -o json` shows them.
        var status = await Rig.DeliveryStatusJsonAsync("delivery/demo/2");
        status["state"]!.GetValue<string>().ShouldBe("Ended");
        status["workflowStatus"]!.GetValue<string>().ShouldBe("Completed");
        status["outcome"]!.GetValue<string>().ShouldBe("RolledBack");
        status["outcomeReason"]!.GetValue<string>().ShouldBe("GateFailed");
        status["outcomeMessage"]!.GetValue<string>().ShouldEndWith($"above the 5% ceiling; traffic returned to {v2}");
        status["stableInfraSetId"]!.GetValue<string>().ShouldBe(v2);
        var steps = status["steps"]!.AsArray();
        WeightTable.Format(steps[0]!["weights"]!["weights"]!).ShouldBe($"{v2}=90,{v3}=10");
        steps[1]!["startedAt"].ShouldBeNull("the 50% step never started");
        var gate = steps[0]!["gates"]!.AsArray().Single()!;
        gate["canaryInfraSetId"]!.GetValue<string>().ShouldBe(v3);
        gate["stableInfraSetId"]!.GetValue<string>().ShouldBe(v2);
        gate["canaryRequests"]!.GetValue<long>().ShouldBeGreaterThan(5);
        gate["stableRequests"]!.GetValue<long>().ShouldBeGreaterThan(gate["canaryRequests"]!.GetValue<long>() * 3, "the stable infra-set takes 90%");
        var result = gate["result"]!;
        result["verdict"]!.GetValue<string>().ShouldBe("Fail");
        result["reason"]!.GetValue<string>().ShouldBe("GateFailed");
        result["score"]!.GetValue<double>().ShouldBe(0);
        var errorRate = result["metrics"]!.AsArray().Single(m => m!["kind"]!.GetValue<string>() == "ErrorRate")!;
        errorRate["classification"]!.GetValue<string>().ShouldBe("High");
        errorRate["critical"]!.GetValue<bool>().ShouldBeTrue();
        errorRate["aboveCeiling"]!.GetValue<bool>().ShouldBeTrue();
        errorRate["canaryMean"]!.GetValue<double>().ShouldBeInRange(0.1, 0.6, "sample-v3 fails 30% of requests");
        errorRate["baselineMean"]!.GetValue<double>().ShouldBe(0);
        errorRate["canaryCount"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(2);
        errorRate["baselineCount"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(2);
        errorRate["u"].ShouldNotBeNull();
        errorRate["pValue"].ShouldNotBeNull();
        errorRate["shift"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0, "Hodges-Lehmann shift; 0 when most canary seconds saw no error (the ceiling is the guard then)");
        var timeline = status["timeline"]!.AsArray().Select(t => t!["kind"]!.GetValue<string>()).ToList();
        timeline.ShouldBe(["Requested", "Provisioned", "Healthy", "WeightsSet", "GateFailed", "RolledBack", "Drained", "Deleted", "Ended"]);

        // At the provider: v2 alone, then 90/10, then v2 alone again; v3 is gone.
        Rig.ShouldHaveAppliedTables($"{v2}=100", $"{v2}=90,{v3}=10", $"{v2}=100");
        (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).ShouldBe([v2]);
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Weights.Keys.ShouldBe([v2], "deleting v3 removed its zero entry");
        Rig.CreatedInfraSets().Single(c => c.Id == v3).Deleted.ShouldBeTrue("the provider deleted v3's infra-set (its instances are stopped)");
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", "delivery/demo/2").ShouldBe([v2, v3]);

        // At the listener: v3 served (and failed) some requests during the 10% step; every request sent after the
        // rollback was served by v2, successfully.
        var tenPercent = Rig.Monitor.Tables.Single(t => t.WeightOf(v3) == 10);
        var duringStep = Rig.Load!.Within(tenPercent.FirstSeen, tenPercent.LastSeen);
        duringStep.ShouldContain(r => r.Version == "v3" && r.StatusCode == 500, ListenerLoad.Describe(duringStep));
        var rollback = Rig.Monitor.Tables.Last();
        rollback.Text.ShouldBe($"{v2}=100");
        var afterRollback = await Rig.Load.WaitForSentSinceAsync(rollback.FirstSeen, 200, "after the rollback");
        afterRollback.ShouldAllBe(r => r.Version == "v2" && r.StatusCode == 200, ListenerLoad.Describe(afterRollback));

        // The environment: v2 is still last known good, v3 deleted and retired.
        var env = await Rig.EnvStatusJsonAsync();
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v2);
        var v3InEnv = env["infraSets"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == v3)!;
        v3InEnv["status"]!.GetValue<string>().ShouldBe("Deleted");
        v3InEnv["retired"]!.GetValue<bool>().ShouldBeTrue();
        env["deliveries"]!.AsArray().Select(d => $"{d!["deliveryId"]} {d["outcome"]} {d["reason"]}").ShouldBe(
            ["delivery/demo/1 Promoted Promoted", "delivery/demo/2 RolledBack GateFailed"]);
        await Rig.ShouldKeepInvariantsAsync();
    }
}
