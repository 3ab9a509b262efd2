using DurableDelivery.Domain.Traffic;
using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;

namespace DurableDelivery.E2E.Tests.Crashes;

/// <summary>
/// The embedded Temporal server process is SIGKILLed mid-delivery, twice (while the new infra-set is provisioned and
/// while the 10% step bakes), and restarted on the same port and database each time. The worker keeps running and
/// reconnects by itself (the SDK retries its polls and completions); the delivery is promoted as if nothing happened.
/// </summary>
public sealed class ServerCrashTests : RigTest
{
    private const string Id = "delivery/demo/2";

    [Fact]
    public async Task ServerKilledWhileProvisioningAndWhileBaking_DeliveryPromotedWithOneInfraSetAndEachChangeOnce()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;

        (await Rig.DeliverAsync(DeliveryRig.VersionSet("v2"))).ShouldBe(Id);
        await Eventually.UntilAsync(() => Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env), sets => sets.Count == 2, TimeSpan.FromSeconds(60), "the provider lists v2's infra-set");
        await Rig.Server.KillAsync();
        await Rig.StartServerAsync();

        await Rig.WaitPhaseAsync(Id, DeliveryPhase.Baking, step: 0);
        await Rig.Server.KillAsync();
        await Rig.StartServerAsync();

        var ended = await Rig.WaitSettledAsync(Id, TimeSpan.FromSeconds(120));
        (ended.Outcome, ended.OutcomeReason).ShouldBe((DeliveryOutcome.Promoted, "Promoted"), ended.OutcomeMessage);
        var v2 = ended.InfraSetId!;
        Rig.Worker.HasExited.ShouldBeFalse($"the worker rode out both server crashes:\n{Rig.Worker.Output}");
        Rig.ShouldHaveOneInfraSetPerDelivery("delivery/demo/1", Id).ShouldBe([v1, v2]);
        Rig.ProviderKeys("set-weights", Id).Count.ShouldBe(4, "10%, 50%, 100% and the promotion, each applied once");
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100");
        (await Rig.EnvironmentStatusAsync()).Deliveries.Select(d => (d.DeliveryId, d.State)).ShouldBe(
            [("delivery/demo/1", DeliveryState.Ended), (Id, DeliveryState.Ended)]);
        await Rig.ShouldKeepInvariantsAsync();
    }
}
