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

        // Quotes, a backslash, a tab and non-ASCII text: the command writes its request to the worker by hand.
        const string Reason = "v2 \"breaks\" checkout\\cart\tcafé ✓";
        var rollback = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", Reason, "--as", "oncall", "-o", "json");

        var outcome = rollback.OkJson();
        outcome["message"]!.GetValue<string>().ShouldBe($"rolled back to {v1} by oncall: {Reason}: all traffic on it");
        WeightTable.Format(outcome["weightsBefore"]!).ShouldBe($"{v2}=100");
        WeightTable.Format(outcome["weights"]!).ShouldBe($"{v1}=100");
        outcome["override"]!["kind"]!.GetValue<string>().ShouldBe("rollback");
        outcome["via"]!.GetValue<string>().ShouldBe("worker", "the running worker's control socket took it");

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
    /// "At any moment, even while a worker is down": the only worker was SIGKILLed after v2's promotion. With
    /// <c>--host-worker never</c> the rollback reports that nobody answered and changes nothing; by default the command
    /// runs a worker itself (the same workflows and provider, taking over the dead worker's runs), applies the rollback
    /// through env/demo as usual, and stops that worker when it exits.
    /// </summary>
    [Fact]
    public async Task EnvRollback_WhileNoWorkerRuns_TheCommandRunsOne_AndAllTrafficIsBackOnV1()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.Worker.KillAsync();
        (await Rig.Client.ListWorkersAsync()).ShouldBeEmpty("the killed worker's lock is released by the kernel");
        var before = await Rig.Provider.GetWeightsAsync(DeliveryRig.Env);

        var asked = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "v2 bad", "--as", "oncall", "--host-worker", "never", "--timeout", "2s");
        asked.ExitCode.ShouldBe(5, asked.ToString());
        asked.Stderr.ShouldBe($"error: no worker is running on {Rig.DataDir}; start one (ddctl worker run --data-dir {Rig.DataDir}) or leave out --host-worker never to run one in this command. Nothing was changed.\n");
        (await Rig.Provider.GetWeightsAsync(DeliveryRig.Env)).Revision.ShouldBe(before.Revision, "nothing changes when nobody answers");

        var rollback = await Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "v2 bad, worker down", "--as", "oncall", "-o", "json");

        rollback.ExitCode.ShouldBe(0, rollback.ToString());
        rollback.Stderr.ShouldStartWith($"no worker is running on {Rig.DataDir}; running one in this command until the rollback is applied");
        var outcome = System.Text.Json.Nodes.JsonNode.Parse(rollback.Stdout)!;
        outcome["via"]!.GetValue<string>().ShouldBe("store", "the killed worker's socket answers nobody: the command wrote the update itself");
        WeightTable.Format(outcome["weightsBefore"]!).ShouldBe($"{v2}=100");
        WeightTable.Format(outcome["weights"]!).ShouldBe($"{v1}=100");
        await AllTrafficOnV1Async(v1);
        (await Rig.Client.ListWorkersAsync()).ShouldBeEmpty("the command stopped the worker it ran");

        // A worker started later carries on from the durable history: the override is recorded like any other and v2,
        // rolled back from, is cleaned up.
        await Rig.StartWorkerAsync();
        var env = await CleanedUpAsync(v2);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v1);
        var record = env["overrides"]!.AsArray().Single()!;
        record["applied"]!.GetValue<bool>().ShouldBeTrue();
        record["request"]!["requestedBy"]!.GetValue<string>().ShouldBe("oncall");
        Rig.ShouldHaveAppliedTables($"{v1}=100", $"{v1}=90,{v2}=10", $"{v1}=50,{v2}=50", $"{v2}=100", $"{v1}=100");
        await Rig.ShouldKeepInvariantsAsync();
    }

    /// <summary>
    /// A worker takes the override on its control socket and dies before its workflow task records it (a worker records an
    /// update only in the commit that accepts it): the command learns nothing came back, writes the update to the store
    /// itself under the same update id, and waits for the next worker, which applies it once.
    /// </summary>
    [Fact]
    public async Task EnvRollback_WorkerDiesWithTheOverrideBeforeRecordingIt_TheCommandHandsItToTheNextWorker()
    {
        var v1 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v1"), DeliveryOutcome.Promoted)).InfraSetId!;
        var v2 = (await Rig.DeliverAndSettleAsync(DeliveryRig.VersionSet("v2"), DeliveryOutcome.Promoted)).InfraSetId!;
        await Rig.Worker.KillAsync();
        await using var dying = new DyingWorker(Rig.DataDir);

        var rollback = Rig.CliAsync("env", "rollback", DeliveryRig.Env, "--reason", "v2 bad, worker died", "--as", "oncall", "-o", "json", "--timeout", "60s");
        var request = await dying.Request.WaitAsync(TimeSpan.FromSeconds(30));
        var updateId = request.RootElement.GetProperty("updateId").GetString()!;
        rollback.IsCompleted.ShouldBeFalse("nobody has applied it: the command waits for a worker");

        await Rig.StartWorkerAsync();
        var outcome = (await rollback).OkJson();
        outcome["via"]!.GetValue<string>().ShouldBe("store", "the dying worker answered nothing: the command wrote the update itself");
        WeightTable.Format(outcome["weights"]!).ShouldBe($"{v1}=100");
        await AllTrafficOnV1Async(v1);

        var history = await Rig.Client.GetWorkflowHandle($"env/{DeliveryRig.Env}").FetchHistoryAsync();
        history.Events.Where(e => e.EventType == Engine.History.EventType.WorkflowExecutionUpdateAccepted && e.Name == "rollback").Select(e => e.RequestId)
            .ShouldBe([updateId], "applied once, under the id the command sent to the dying worker");
        var env = await CleanedUpAsync(v2);
        env["overrides"]!.AsArray().Single()!["request"]!["reason"]!.GetValue<string>().ShouldBe("v2 bad, worker died");
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

    /// <summary>A "worker" listening on the data dir's control socket that reads one override request and closes without answering.</summary>
    private sealed class DyingWorker : IAsyncDisposable
    {
        private readonly System.Net.Sockets.Socket listener = new(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        private readonly TaskCompletionSource<System.Text.Json.JsonDocument> request = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly string path;
        private readonly Task serving;

        public DyingWorker(string dataDir)
        {
            path = Path.Combine(Directory.CreateDirectory(Path.Combine(dataDir, "control")).FullName, "dying.sock");
            listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            serving = ServeAsync();
        }

        public Task<System.Text.Json.JsonDocument> Request => request.Task;

        public async ValueTask DisposeAsync()
        {
            listener.Dispose();
            File.Delete(path);
            await serving;
        }

        private async Task ServeAsync()
        {
            try
            {
                using var connection = await listener.AcceptAsync();
                var received = new MemoryStream();
                var chunk = new byte[4096];
                while (received.Length == 0 || received.GetBuffer()[(int)received.Length - 1] != (byte)'\n')
                {
                    var n = await connection.ReceiveAsync(chunk, System.Net.Sockets.SocketFlags.None);
                    if (n == 0)
                    {
                        break;
                    }

                    received.Write(chunk, 0, n);
                }

                request.TrySetResult(System.Text.Json.JsonDocument.Parse(received.ToArray()));

                // Gone without a word, as a worker SIGKILLed before its workflow task committed.
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                request.TrySetException(e);
            }
        }
    }
}
