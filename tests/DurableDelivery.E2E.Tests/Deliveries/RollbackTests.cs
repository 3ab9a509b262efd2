using DurableDelivery.E2E.Tests.Support;
using DurableDelivery.Providers;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.E2E.Tests.Deliveries;

/// <summary>Issue 4, 3: a manual rollback after a promotion puts all traffic back on the previous warm infra-set.</summary>
public sealed class RollbackTests : RigTest
{
    [Fact]
    public async Task EnvRollback_AfterV2Promoted_AllTrafficBackOnWarmV1_RefusedWhenNothingWarmIsLeft()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.ShouldKeepInvariantsAsync();
        (await Rig.EnvStatusJsonAsync())["rollbackTarget"]!.GetValue<string>().ShouldBe(v1);

        // Quotes, a backslash, a tab and non-ASCII text survive the trip through Temporal's payloads and the history.
        const string Reason = "v2 \"breaks\" checkout\\cart\tcafé ✓";
        var rollback = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", Reason, "--as", "oncall", "-o", "json");

        var outcome = rollback.OkJson();
        outcome["message"]!.GetValue<string>().ShouldBe($"rolled back to {v1} by oncall: {Reason}: all traffic on it");
        WeightTable.Format(outcome["weightsBefore"]!).ShouldBe($"{v2}=100");
        WeightTable.Format(outcome["weights"]!).ShouldBe($"{v1}=100");
        outcome["override"]!["kind"]!.GetValue<string>().ShouldBe("rollback");
        rollback.Stderr.ShouldBeEmpty("the running worker took it: no worker was run in the command");

        // The provider applied it before the command returned, and every request sent since then went to v1.
        var applied = await AllTrafficOnV1Async(v1);
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100", $"{v1}=100");

        // v1 is last known good again; v2, rolled back from, is retired, then drained and deleted by the environment.
        var env = await CleanedUpAsync(v2);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v1);
        env["infraSets"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == v2)!["retired"]!.GetValue<bool>().ShouldBeTrue();
        var record = env["overrides"]!.AsArray().Single()!;
        record["applied"]!.GetValue<bool>().ShouldBeTrue();
        record["handledBy"]!.GetValue<string>().ShouldBe("env/demo");
        record["request"]!["reason"]!.GetValue<string>().ShouldBe(Reason);
        outcome["override"]!["reason"]!.GetValue<string>().ShouldBe(Reason);
        record["request"]!["requestedBy"]!.GetValue<string>().ShouldBe("oncall");
        (await Rig.Provider.DescribeInfraSetAsync(v1))!.Status.ShouldBe(InfraSetStatus.Healthy);
        (await Rig.Provider.ListInfraSetsAsync(DeliveryRig.Env)).Select(s => s.Id).ShouldBe([v1]);
        await Rig.ShouldKeepInvariantsAsync();

        // Nothing warm is left to roll back to: refused with the environment's reason, exit 1, nothing changed.
        var refused = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "again", "--as", "oncall");
        refused.ExitCode.ShouldBe(1, refused.ToString());
        refused.Stderr.ShouldBe($"error: env/demo refused the rollback: cannot roll back: {v1} already takes 100% of traffic; no other warm infra-set to roll back to\n");
        var unknown = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--to", "demo-nope-0009", "--reason", "typo", "--as", "oncall");
        unknown.ExitCode.ShouldBe(1, unknown.ToString());
        unknown.Stderr.ShouldBe($"error: env/demo refused the rollback: rollback target 'demo-nope-0009' does not exist; warm infra-sets: {v1}\n");
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(applied.Revision, "refused rollbacks change nothing at the provider");
        (await Rig.EnvStatusJsonAsync())["overrides"]!.AsArray().Count.ShouldBe(1, "a refused update leaves no trace");
        await Rig.ShouldKeepInvariantsAsync();
    }

    /// <summary>
    /// "At any moment, even while a worker is down": the only worker was SIGKILLed after v2's promotion. By default the
    /// rollback command, when no worker accepts the update within 2 s, runs a worker itself (the same workflows and
    /// provider on the same task queue), which takes the update, applies the rollback through env/demo as usual, and
    /// stops when the command exits. With <c>--host-worker never</c> it only waits: Temporal keeps an update nobody
    /// accepted pending, so the command says so; the next worker handles it (here: refuses it, nothing is warm).
    /// </summary>
    [Fact]
    public async Task EnvRollback_WhileNoWorkerRuns_TheCommandRunsOne_AndAllTrafficIsBackOnV1()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.Worker.KillAsync();

        var rollback = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "v2 bad, worker down", "--as", "oncall", "-o", "json");

        rollback.ExitCode.ShouldBe(0, rollback.ToString());
        rollback.Stderr.ShouldStartWith("no worker took the rollback within 2 s; running one in this command until it is applied");
        var outcome = System.Text.Json.Nodes.JsonNode.Parse(rollback.Stdout)!;
        WeightTable.Format(outcome["weightsBefore"]!).ShouldBe($"{v2}=100");
        WeightTable.Format(outcome["weights"]!).ShouldBe($"{v1}=100");
        var applied = await AllTrafficOnV1Async(v1);

        // Still no worker, and nobody to run one: exit 5, and the message says the request stays pending.
        var asked = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "again", "--as", "oncall", "--host-worker", "never", "--timeout", "2s");
        asked.ExitCode.ShouldBe(5, asked.ToString());
        asked.Stderr.ShouldStartWith("error: no worker took the rollback within 2 s; is `ddctl worker run` running against namespace default at ");
        asked.Stderr.ShouldContain("stays pending on the server and is applied when a worker polls");

        // A worker started later carries on from the durable history: the applied override is recorded like any other,
        // the pending one is refused (v1 already takes all traffic) and leaves no trace, v2 is cleaned up.
        await Rig.StartWorkerAsync();
        var env = await CleanedUpAsync(v2);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v1);
        var record = env["overrides"]!.AsArray().Single()!;
        record["applied"]!.GetValue<bool>().ShouldBeTrue();
        record["request"]!["reason"]!.GetValue<string>().ShouldBe("v2 bad, worker down");
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(applied.Revision, "the pending rollback changed nothing");
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100", $"{v1}=100");
        await Rig.ShouldKeepInvariantsAsync();
    }

    /// <summary>
    /// A warm infra-set (promoted earlier, kept for rollbacks) whose instances hang: the environment still lists it as
    /// warm and as the rollback target. A rollback to it must be refused at once, with the reason, and must not stay
    /// behind to move traffic whenever the infra-set recovers; the environment must stay usable.
    /// </summary>
    /// <remarks>
    /// Failed until the provider's InfraSetNotHealthy answer to SetWeights became final in DeliveryActivities: the
    /// rollback was retried without end inside the environment's main loop and applied by itself once v1 recovered.
    /// </remarks>
    [Fact]
    public async Task EnvRollback_ToAWarmInfraSetWhoseInstancesHang_IsRefusedAndNotAppliedLater()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        var pids = (await Rig.Provider.DescribeInfraSetAsync(v1))!.Instances.Select(i => i.ProcessId!.Value).ToList();
        var before = await Rig.Provider.GetWeightsAsync(DeliveryRig.Env);

        using (new Freeze(pids))
        {
            await Eventually.UntilAsync(
                () => Rig.Provider.DescribeInfraSetAsync(v1),
                s => s!.Status == InfraSetStatus.Unhealthy,
                TimeSpan.FromSeconds(30),
                $"the provider sees {v1}'s hung instances fail their health checks");

            var rollback = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "v2 is slow", "--as", "oncall", "--timeout", "20s");

            rollback.ExitCode.ShouldBe(1, $"refused, not left waiting for a worker: {rollback}");
            rollback.Stderr.ShouldContain(v1);
            rollback.Stderr.ShouldContain("healthy", Case.Insensitive);
        }

        // v1 answers again: the refused rollback must not come back and move traffic by itself.
        await Eventually.UntilAsync(() => Rig.Provider.DescribeInfraSetAsync(v1), s => s!.Status == InfraSetStatus.Healthy, TimeSpan.FromSeconds(30), $"{v1} recovers");
        var rollbackNow = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "v2 is slow, v1 is back", "--as", "oncall", "-o", "json");
        rollbackNow.OkJson()["message"]!.GetValue<string>().ShouldBe($"rolled back to {v1} by oncall: v2 is slow, v1 is back: all traffic on it");
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(before.Revision + 1, "exactly one rollback reached the provider");
        await Rig.ShouldKeepInvariantsAsync();
    }

    /// <summary>The provider's table puts all traffic on <paramref name="v1"/>, and every request sent since it was seen went to v1.</summary>
    private async Task<ListenerWeights> AllTrafficOnV1Async(string v1)
    {
        var applied = await Rig.Provider.GetWeightsAsync(DeliveryRig.Env);
        WeightTable.Format(applied.Weights).ShouldBe($"{v1}=100");
        var back = await Rig.Monitor.WaitForAsync(t => t.Revision == applied.Revision, $"revision {applied.Revision}, read back from the provider", TimeSpan.FromSeconds(10)); // the monitor polls: it may see the table a moment after the command returned
        var afterRollback = await Rig.Load!.WaitForSentSinceAsync(back.FirstSeen, 200, "after the rollback");
        afterRollback.ShouldAllBe(r => r.Version == "v1" && r.StatusCode == 200, ListenerLoad.Describe(afterRollback));
        return applied;
    }

    /// <summary>Waits until the environment has deleted <paramref name="infraSet"/> (drained, then deleted); returns its status.</summary>
    private Task<System.Text.Json.Nodes.JsonNode> CleanedUpAsync(string infraSet) => Eventually.UntilAsync(
        Rig.EnvStatusJsonAsync,
        e => e["infraSets"]!.AsArray().Any(s => s!["id"]!.GetValue<string>() == infraSet && s["status"]!.GetValue<string>() == "Deleted"),
        TimeSpan.FromSeconds(30),
        $"the environment cleans up {infraSet}");
}
