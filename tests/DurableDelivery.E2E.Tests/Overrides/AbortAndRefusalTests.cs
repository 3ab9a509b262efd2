using DurableDelivery.Domain.Traffic;
using DurableDelivery.E2E.Tests.Support;
using ProviderStatus = DurableDelivery.Providers.InfraSetStatus;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Overrides;

/// <summary>
/// Issue 4, 4 (second half): abort through the real CLI, during a bake and while the new infra-set is not healthy;
/// overrides that cannot apply are refused with the workflow's reason (exit 1) and change nothing.
/// </summary>
// The abort must land during the first bake; the abort ends that bake, so a long one costs nothing. 6 s was too short
// once on a loaded machine (a clean-clone CI run: the abort found the delivery at 50% already).
public sealed class AbortAndRefusalTests() : RigTest(new RigOptions { FirstBake = TimeSpan.FromSeconds(30) })
{
    [Fact]
    public async Task AbortDuringBake_TrafficBackOnV1_AbortWhileNotHealthy_RefusedPromoteExtendAndSetWeights()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;

        // Abort during the 10% bake: traffic back on the last known good, the new infra-set retired and deleted.
        const string Second = "delivery/demo/2";
        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe(Second);
        var v2 = (await Rig.WaitPhaseAsync(Second, DeliveryPhase.Baking, step: 0)).InfraSetId!;
        var abort = (await Rig.CliAsync("delivery", "abort", Second, "--reason", "wrong version set", "--as", "tester", "-o", "json")).OkJson();
        abort["message"]!.GetValue<string>().ShouldBe($"aborted by tester: wrong version set; traffic returned to {v1}");
        WeightTable.Format(abort["weightsBefore"]!).ShouldBe($"{v1}=90,{v2}=10");
        WeightTable.Format(abort["weights"]!).ShouldBe($"{v1}=100");
        var applied = await Rig.Provider.GetWeightsAsync(DeliveryRig.Env);
        WeightTable.Format(applied.Weights).ShouldBe($"{v1}=100", "applied before the command returned");
        var aborted = await Rig.WaitSettledAsync(Second);
        (aborted.Outcome, aborted.OutcomeReason).ShouldBe((DeliveryOutcome.Aborted, "Aborted"));
        aborted.Steps[0].Gates.ShouldBeEmpty();
        aborted.Timeline.Select(t => t.Kind).ShouldBe(["Requested", "Provisioned", "Healthy", "WeightsSet", "Aborted", "Drained", "Deleted", "Ended"]);
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=100");
        var back = await Rig.Monitor.WaitForAsync(t => t.Revision == applied.Revision, $"revision {applied.Revision}, read back from the provider", TimeSpan.FromSeconds(10)); // the monitor polls: it may see the table a moment after the command returned
        var afterAbort = await Rig.Load!.WaitForSentSinceAsync(back.FirstSeen, 100, "after the abort");
        afterAbort.ShouldAllBe(r => r.Version == "v1" && r.StatusCode == 200, ListenerLoad.Describe(afterAbort));
        (await Rig.Provider.DescribeInfraSetAsync(v2))!.Status.ShouldBe(ProviderStatus.Deleted);
        await Rig.ShouldKeepInvariantsAsync();

        // A delivery whose infra-set never becomes healthy: promote and extend-bake cannot apply, the environment will
        // not take manual weights while it rolls out; abort ends it without traffic ever reaching it.
        const string Third = "delivery/demo/3";
        var before = await Rig.Provider.GetWeightsAsync(DeliveryRig.Env);
        (await Rig.DeliverAsync(Rig.WriteVersionSet("never-healthy", "sample-never-healthy", "5.0.0"))).ShouldBe(Third);
        var waiting = await Rig.WaitPhaseAsync(Third, DeliveryPhase.WaitingHealthy);
        var neverHealthy = waiting.InfraSetId!;
        neverHealthy.ShouldBe("demo-sample-never-healthy-0003");
        var promote = await Rig.CliAsync("delivery", "promote", Third, "--reason", "yolo", "--as", "tester");
        promote.ExitCode.ShouldBe(1, promote.ToString());
        promote.Stderr.ShouldBe($"error: {Third} refused the promote: cannot promote: infra-set '{neverHealthy}' is Provisioning; only a healthy infra-set can take all traffic\n");
        var extend = await Rig.CliAsync("delivery", "extend-bake", Third, "--by", "30s", "--reason", "more", "--as", "tester");
        extend.ExitCode.ShouldBe(1, extend.ToString());
        extend.Stderr.ShouldBe($"error: {Third} refused the bake extension: cannot extend bake: delivery '{Third}' is not baking (phase WaitingHealthy)\n");
        var weights = await Rig.CliAsync("env", "set-weights", DeliveryRig.Env, $"{v1}=100", "--reason", "by hand", "--as", "tester");
        weights.ExitCode.ShouldBe(1, weights.ToString());
        weights.Stderr.ShouldBe(
            $"error: env/demo refused the weight change: cannot set weights: delivery '{Third}' is rolling out (WaitingHealthy); pause it first (ddctl delivery pause {Third}) or abort it\n");
        (await Rig.DeliveryStatusAsync(Third)).Overrides.ShouldBeEmpty("refused updates leave no trace");

        var abortUnhealthy = (await Rig.CliAsync("delivery", "abort", Third, "--reason", "never healthy", "--as", "tester", "-o", "json")).OkJson();
        abortUnhealthy["message"]!.GetValue<string>().ShouldBe("aborted by tester: never healthy before the new infra-set took traffic");
        WeightTable.Format(abortUnhealthy["weights"]!).ShouldBe($"{v1}=100");
        var ended = await Rig.WaitSettledAsync(Third);
        (ended.Outcome, ended.OutcomeReason).ShouldBe((DeliveryOutcome.Aborted, "Aborted"));
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(before.Revision, "the never-healthy infra-set never took traffic: the weights never changed");
        (await Rig.Provider.DescribeInfraSetAsync(neverHealthy))!.Status.ShouldBe(ProviderStatus.Deleted);

        var resume = await Rig.CliAsync("delivery", "resume", Third, "--reason", "late", "--as", "tester");
        resume.ExitCode.ShouldBe(1, resume.ToString());
        resume.Stderr.ShouldStartWith($"error: cannot resume: delivery '{Third}' has ended (Aborted: ");
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", Second, Third).ShouldBe([v1, v2, neverHealthy]);
        await Rig.ShouldKeepInvariantsAsync();
    }
}
