using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;

namespace DurableDelivery.E2E.Tests.Crashes;

/// <summary>
/// Issue 4, 5: the worker SIGKILLed just before and just after it commits a workflow task (the engine's
/// <c>workflow-commit-*</c> crash points; the nth commit of that worker, environment and delivery tasks alike) somewhere
/// in a delivery of v2, and a new worker started: the delivery is promoted as if nothing happened.
/// </summary>
/// <remarks>
/// A sweep over 18 points (workflow-commit-before 1-38, -after 1-44, activity-resolve-before/after 3-9) passed; these two
/// stay in the suite to keep it fast.
/// </remarks>
public sealed class CommitCrashTests : RigTest
{
    [Theory]
    [InlineData("workflow-commit-before:11")]
    [InlineData("workflow-commit-after:22")]
    public async Task KilledAroundAWorkflowTaskCommit_DeliveryPromotedWithOneInfraSetAndEachChangeOnce(string crashPoint)
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.Worker.KillAsync();
        var armed = await Rig.StartWorkerAsync(crashPoint);
        var deliver = Rig.CliAsync("deliver", DeliveryRig.Env, "--version-set", DeliveryRig.VersionSet("v2"), "--environment-file", Rig.EnvironmentFile, "--timeout", "60s", "-o", "json");
        await armed.WaitForCrashAsync(TimeSpan.FromSeconds(60));

        await Rig.StartWorkerAsync();
        (await deliver).OkJson()["deliveryId"]!.GetValue<string>().ShouldBe("delivery/demo/2");
        var ended = await Rig.WaitSettledAsync("delivery/demo/2");
        (ended.Outcome, ended.OutcomeReason).ShouldBe((DeliveryOutcome.Promoted, "Promoted"), ended.OutcomeMessage);
        var v2 = ended.InfraSetId!;
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", "delivery/demo/2").ShouldBe([v1, v2]);
        Rig.ProviderKeys("set-weights", "delivery/demo/2").Count.ShouldBe(4, "10%, 50%, 100% and the promotion, each applied once");
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100");
        (await Rig.EnvironmentStatusAsync()).Deliveries.Select(d => (d.DeliveryId, d.State)).ShouldBe(
            [("delivery/demo/1", DeliveryState.Ended), ("delivery/demo/2", DeliveryState.Ended)]);
        await Rig.ShouldKeepInvariantsAsync();
    }
}
