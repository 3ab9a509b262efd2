using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Providers;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Deliveries;

/// <summary>
/// SREs learn that their rollback target is gone before they need it: the idle environment checks the infra-sets it
/// keeps (every 10 s here), and <c>ddctl env status</c> says loudly when the rollback target stopped being healthy, and
/// again when it is back.
/// </summary>
public sealed class KeptInfraSetHealthTests() : RigTest(new RigOptions { HealthCheckInterval = TimeSpan.FromSeconds(10) })
{
    [Fact]
    public async Task EnvStatus_WhenTheWarmRollbackTargetHangs_WarnsBeforeAnyRollback_AndClearsWhenItRecovers()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        (await Rig.EnvStatusJsonAsync())["rollbackTarget"]!.GetValue<string>().ShouldBe(v1);
        var pids = (await Rig.Provider.DescribeInfraSetAsync(v1))!.Instances.Select(i => i.ProcessId!.Value).ToList();

        using (new Freeze(pids))
        {
            var warned = await Eventually.UntilAsync(
                Rig.EnvStatusJsonAsync,
                e => e["rollbackTargetWarning"] is not null,
                TimeSpan.FromSeconds(60),
                $"the environment's health check finds {v1} hung");
            warned["rollbackTargetWarning"]!["infraSetId"]!.GetValue<string>().ShouldBe(v1);
            warned["infraSets"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == v1)!["status"]!.GetValue<string>().ShouldBe(nameof(InfraSetStatus.Unhealthy));

            var table = await Rig.CliAsync("env", "status", DeliveryRig.Env);
            table.ExitCode.ShouldBe(0, table.ToString());
            table.Stdout.ShouldContain("ROLLBACK TARGET NOT WARM:");
            table.Stdout.ShouldContain(v1);
        }

        var cleared = await Eventually.UntilAsync(
            Rig.EnvStatusJsonAsync,
            e => e["rollbackTargetWarning"] is null && e["rollbackTarget"]?.GetValue<string>() == v1,
            TimeSpan.FromSeconds(60),
            $"the next health check finds {v1} answering again");
        cleared["weights"]!["weights"]![v2]!.GetValue<int>().ShouldBe(100, "a health check never moves traffic");
        (await Rig.CliAsync("env", "status", DeliveryRig.Env)).Stdout.ShouldNotContain("ROLLBACK TARGET NOT WARM");
        await Rig.ShouldKeepInvariantsAsync();
    }
}
