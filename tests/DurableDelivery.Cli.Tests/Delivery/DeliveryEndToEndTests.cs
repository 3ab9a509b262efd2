using System.Text.Json.Nodes;
using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Delivery;

/// <summary>
/// The delivery story driven only through ddctl, every part a real process on loopback: a local provider
/// (<c>ddctl local up</c>), a worker (<c>ddctl worker run</c>), steady traffic (<c>ddctl local load</c>) for the health
/// gates, and the demo environment with 2 s bakes on a free port.
/// </summary>
public sealed class DeliveryEndToEndTests
{
    [Fact]
    public async Task DeliverV1V2_BadV3RollsBackByItself_ManualRollbackToV1_ThroughDdctlOnly()
    {
        using var dir = new TempDataDir();
        var environmentFile = await WriteShortDemoAsync(dir.Root, Repo.FreeLoopbackPort());
        await using var provider = await LocalProviderRun.StartAsync(dir.Path);
        await using var worker = await WorkerProcess.StartAsync(dir.Path);
        string[] store = ["--data-dir", dir.Path];
        string[] Deliver(string version, params string[] more) =>
            ["deliver", "demo", "--version-set", Repo.File("infra", "version-sets", version + ".yaml"), "--environment-file", environmentFile, .. more, .. store];

        // v1, the first delivery: nothing to compare with, so one step with all traffic, then promoted.
        var ticket = (await Ddctl.RunAsync(Deliver("v1", "--reason", "first release", "--as", "alice", "-o", "json"))).OkJson();
        ticket["deliveryId"]!.GetValue<string>().ShouldBe("delivery/demo/1");
        ticket["position"]!.GetValue<int>().ShouldBe(0);
        ticket["environmentStarted"]!.GetValue<bool>().ShouldBeTrue();
        var v1 = (await Ddctl.RunAsync(["delivery", "watch", "demo/1", "-o", "json", .. store])).OkJson();
        v1["outcome"]!.GetValue<string>().ShouldBe("Promoted");
        v1["requestedBy"]!.GetValue<string>().ShouldBe("alice");
        var v1Set = v1["infraSetId"]!.GetValue<string>();
        var env = await EnvStatusAsync(store);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v1Set);
        Weights(env["weights"]!["weights"]!).ShouldBe($"{v1Set}=100");

        // Steady traffic from here on, so that the gates of v2 and v3 have per-second samples on both sides.
        await using var load = new BackgroundDdctl(["local", "load", "--env", "demo", "--rps", "200", "--duration", "120s", .. store]);

        // v2 with --watch on redirected output: plain appended lines, gate numbers included, exit 0 when promoted.
        var watched = await Ddctl.RunAsync(Deliver("v2", "--reason", "ship v2", "--watch"));
        watched.ExitCode.ShouldBe(0, $"{watched}\nload: {load.Output}");
        watched.Stderr.ShouldBeEmpty();
        watched.Stdout.ShouldStartWith("delivery/demo/2 requested: sample app 2.0.0 (sample-v2) to demo by ");
        watched.Stdout.ShouldContain("GatePassed: step 1 gate: Pass (score 100)");
        watched.Stdout.ShouldContain("step 2 gate Pass: ErrorRate Pass (critical): error rate 0% vs 0% stable");
        watched.Stdout.ShouldContain("now: Baking, step 2/3 (50%)");
        watched.Stdout.TrimEnd().Split('\n')[^1].ShouldStartWith("delivery/demo/2 ended: Promoted (Promoted): all steps passed;");

        var v2 = (await Ddctl.RunAsync(["delivery", "status", "delivery/demo/2", "-o", "json", .. store])).OkJson();
        v2["state"]!.GetValue<string>().ShouldBe("Ended");
        v2["workflowStatus"]!.GetValue<string>().ShouldBe("Completed");
        v2["outcome"]!.GetValue<string>().ShouldBe("Promoted");
        v2["stableInfraSetId"]!.GetValue<string>().ShouldBe(v1Set);
        var v2Set = v2["infraSetId"]!.GetValue<string>();
        var steps = v2["steps"]!.AsArray();
        steps.Select(s => s!["percent"]!.GetValue<int>()).ShouldBe([10, 50, 100]);
        Weights(steps[0]!["weights"]!["weights"]!).ShouldBe($"{v1Set}=90, {v2Set}=10");
        foreach (var gated in steps.Take(2))
        {
            var gate = gated!["gates"]!.AsArray().ShouldHaveSingleItem()!;
            gate["result"]!["verdict"]!.GetValue<string>().ShouldBe("Pass");
            gate["canaryRequests"]!.GetValue<long>().ShouldBeGreaterThan(0);
            gate["stableRequests"]!.GetValue<long>().ShouldBeGreaterThan(0);
        }

        steps[2]!["gates"]!.AsArray().ShouldBeEmpty("at 100% the stable infra-set takes no traffic: nothing to compare");
        Weights(v2["weights"]!["weights"]!).ShouldBe($"{v2Set}=100");
        env = await EnvStatusAsync(store);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v2Set);
        env["rollbackTarget"]!.GetValue<string>().ShouldBe(v1Set);
        env["warm"]!.AsArray().Select(w => w!.GetValue<string>()).ShouldBe([v1Set, v2Set]);
        env["violations"]!.AsArray().ShouldBeEmpty();

        // v3 answers 30% of requests with 500: its first gate fails and traffic returns by itself. Exit 4; JSON is the final status.
        var bad = await Ddctl.RunAsync(Deliver("v3", "--reason", "ship v3", "--watch", "-o", "json"));
        bad.ExitCode.ShouldBe(4, $"{bad}\nload: {load.Output}");
        bad.Stderr.ShouldStartWith("error: delivery/demo/3 rolled back (GateFailed): health gate failed at step 1 (10%): error rate ");
        bad.Stderr.Count(c => c == '\n').ShouldBe(1);
        var v3 = bad.Json();
        v3["outcome"]!.GetValue<string>().ShouldBe("RolledBack");
        v3["outcomeReason"]!.GetValue<string>().ShouldBe("GateFailed");
        var failed = v3["steps"]![0]!["gates"]!.AsArray().ShouldHaveSingleItem()!["result"]!;
        failed["verdict"]!.GetValue<string>().ShouldBe("Fail");
        failed["metrics"]![0]!["kind"]!.GetValue<string>().ShouldBe("ErrorRate");
        failed["metrics"]![0]!["classification"]!.GetValue<string>().ShouldBe("High");
        failed["metrics"]![0]!["canaryMean"]!.GetValue<double>().ShouldBeGreaterThan(0.05);
        env = await EnvStatusAsync(store);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v2Set);
        Weights(env["weights"]!["weights"]!).ShouldBe($"{v2Set}=100");

        // A person rolls the environment back to the previous warm infra-set: what changed, and how long it took.
        var rolledBack = (await Ddctl.RunAsync(["env", "rollback", "demo", "--reason", "v2 regressed", "--as", "bob", "-o", "json", .. store])).OkJson();
        rolledBack["message"]!.GetValue<string>().ShouldBe($"rolled back to {v1Set} by bob: v2 regressed: all traffic on it");
        Weights(rolledBack["weightsBefore"]!).ShouldBe($"{v2Set}=100");
        Weights(rolledBack["weights"]!).ShouldBe($"{v1Set}=100");
        rolledBack["override"]!["kind"]!.GetValue<string>().ShouldBe("rollback");
        rolledBack["override"]!["requestedBy"]!.GetValue<string>().ShouldBe("bob");
        rolledBack["elapsedMs"]!.GetValue<double>().ShouldBeGreaterThan(0);

        env = await EnvStatusAsync(store);
        env["lastKnownGood"]!.GetValue<string>().ShouldBe(v1Set);
        Weights(env["weights"]!["weights"]!).ShouldBe($"{v1Set}=100");
        env["infraSets"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == v2Set)!["retired"]!.GetValue<bool>().ShouldBeTrue();
        var audit = env["overrides"]!.AsArray()[^1]!;
        audit["applied"]!.GetValue<bool>().ShouldBeTrue();
        audit["handledBy"]!.GetValue<string>().ShouldBe("env/demo");
        audit["request"]!["reason"]!.GetValue<string>().ShouldBe("v2 regressed");
        env["violations"]!.AsArray().ShouldBeEmpty();

        var listed = (await Ddctl.RunAsync(["delivery", "list", "--env", "demo", "-o", "json", .. store])).OkJson().AsArray();
        listed.Select(d => $"{d!["deliveryId"]} {d["outcome"]}").ShouldBe(["delivery/demo/3 RolledBack", "delivery/demo/2 Promoted", "delivery/demo/1 Promoted"]);
        var table = await Ddctl.RunAsync(["env", "status", "demo", .. store]);
        table.ExitCode.ShouldBe(0, table.ToString());
        table.Stdout.Split('\n').Single(l => l.Contains(v1Set, StringComparison.Ordinal) && l.Contains("Healthy", StringComparison.Ordinal))
            .ShouldContain("last known good, warm, promoted #1");
        table.Stdout.ShouldContain("rolled back to " + v1Set);

        (await worker.StopGracefullyAsync(TimeSpan.FromSeconds(15))).ShouldBe(0, worker.Stderr);
    }

    /// <summary>infra/environments/demo.yaml with a free listener port, 2 s bakes and one data point per gate.</summary>
    private static async Task<string> WriteShortDemoAsync(string folder, int port)
    {
        var text = await File.ReadAllTextAsync(Repo.File("infra", "environments", "demo.yaml"));
        foreach (var (from, to) in new[] { ("port: 18080", $"port: {port}"), ("bake: 15s", "bake: 2s"), ("minDataPoints: 10 ", "minDataPoints: 1 ") })
        {
            text.ShouldContain(from, Case.Sensitive, "the test edits these lines of demo.yaml");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }

        var path = Path.Combine(folder, "demo.yaml");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private static async Task<JsonNode> EnvStatusAsync(string[] store) => (await Ddctl.RunAsync(["env", "status", "demo", "-o", "json", .. store])).OkJson();

    /// <summary>A weights map (<c>{"id": 90}</c>) as <c>id=90, ...</c>; status documents nest it in a TrafficWeights (<c>{"weights": {...}}</c>).</summary>
    private static string Weights(JsonNode weights) =>
        string.Join(", ", weights.AsObject().OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"));
}
