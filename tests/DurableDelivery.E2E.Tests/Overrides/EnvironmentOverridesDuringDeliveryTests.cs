using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Overrides;

/// <summary>
/// Environment overrides (set-weights, rollback) sent through <c>ddctl env</c> while a delivery runs: the environment
/// forwards them to the delivery, the one mutator of traffic, and the command reports what the delivery did.
/// </summary>
/// <remarks>The 10% step bakes 10 s, so that the pause (a ddctl process) lands in it on a busy machine; at 6 s it missed once.</remarks>
public sealed class EnvironmentOverridesDuringDeliveryTests() : RigTest(new RigOptions { FirstBake = TimeSpan.FromSeconds(10) })
{
    private const string Id = "delivery/demo/2";

    [Fact]
    public async Task SetWeightsWhilePaused_ThenEnvRollback_DeliveryAbortedAndAllTrafficOnV1()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe(Id);
        var v2 = (await Rig.WaitPhaseAsync(Id, DeliveryPhase.Baking, step: 0)).InfraSetId!;
        (await Rig.CliAsync("delivery", "pause", Id, "--reason", "manual split", "--as", "tester")).ExitCode.ShouldBe(0);

        // Manual weights while paused: forwarded to the delivery, applied by it.
        var set = (await Rig.CliAsync("env", "set-weights", DeliveryRig.Env, $"{v1}=70,{v2}=30", "--reason", "more canary traffic", "--as", "tester", "-o", "json")).OkJson();
        set["message"]!.GetValue<string>().ShouldBe($"weights set to {v1}=70, {v2}=30 by tester: more canary traffic");
        WeightTable.Format(set["weights"]!).ShouldBe($"{v1}=70,{v2}=30");
        WeightTable.Format((await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Weights).ShouldBe($"{v1}=70,{v2}=30");
        var thirty = Rig.Monitor.Tables[^1];
        var split = Rig.Load!.Within(thirty.FirstSeen, (await Rig.Load.WaitForSentSinceAsync(thirty.FirstSeen, 300, "at 70/30")).Max(r => r.StartedTimestamp));
        ListenerLoad.ShareOf(split, "v2").ShouldBeInRange(0.18, 0.42, ListenerLoad.Describe(split));

        // A rollback of the environment while the delivery runs: forwarded, the delivery ends Aborted.
        var rollback = (await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "not today", "--as", "tester", "-o", "json")).OkJson();
        rollback["message"]!.GetValue<string>().ShouldBe($"rolled back to {v1} by tester: not today");
        WeightTable.Format(rollback["weights"]!).ShouldBe($"{v1}=100");
        var ended = await Rig.WaitSettledAsync(Id);
        (ended.Outcome, ended.OutcomeReason).ShouldBe((DeliveryOutcome.Aborted, "ManualRollback"), ended.OutcomeMessage);
        ended.Overrides.Select(o => (o.Request.GetType(), o.Applied)).ShouldBe(
            [(typeof(PauseOverride), true), (typeof(SetWeightsOverride), true), (typeof(RollbackOverride), true)]);
        var env = await Rig.EnvStatusJsonAsync();
        env["overrides"]!.AsArray().Select(o => $"{o!["request"]!["kind"]} {o["handledBy"]} {o["applied"]}").ShouldBe(
            [$"setWeights {Id} true", $"rollback {Id} true"], "the environment records what it forwarded and who handled it");
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v1);

        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=70,{v2}=30", $"{v1}=100");
        var back = Rig.Monitor.Tables[^1];
        var afterRollback = await Rig.Load.WaitForSentSinceAsync(back.FirstSeen, 100, "after the rollback");
        afterRollback.ShouldAllBe(r => r.Version == "v1" && r.StatusCode == 200, ListenerLoad.Describe(afterRollback));
        (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).ShouldBe([v1], "v2 was retired and deleted");
        await Rig.ShouldKeepInvariantsAsync();
    }
}
