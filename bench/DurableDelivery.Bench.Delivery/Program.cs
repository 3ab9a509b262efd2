using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using DurableDelivery.Bench;
using DurableDelivery.Bench.Delivery;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;

// Delivery benchmark, on the local provider (its own process) with a real worker and open-loop load on the listener:
//  - rollback latency: from issuing a rollback to the moment every NEW request is served by the warm target infra-set,
//    observed at the listener; (a) the environment's 'rollback' update issued in-process (the call 'ddctl env rollback'
//    makes), (b) the whole 'dotnet ddctl.dll env rollback' process; alternating, one of each per round;
//  - orchestration overhead of a delivery with zero bakes (one step to 100%): request -> Promoted, minus the time the
//    worker spent in provider calls (every call timed), next to a provider-only cycle measured in the same run;
//  - baselines in the same run: a bare weight switch through the provider (the floor under (a)), the start-up of
//    'dotnet ddctl.dll --version' (the floor under (b)) and 'ddctl env status' (what (b) does before its update).
// Usage: dotnet run -c Release --project bench/DurableDelivery.Bench.Delivery -- [--runs 30] [--rps 500] [--baseline 30] [--provider-runs 10] [--worker inproc|process]
//        [--ddctl <path of a ddctl executable, e.g. one published ReadyToRun (docs/cli.md)>; default: dotnet <the build's ddctl.dll>]
var runs = Arg("--runs", 30);
var rps = Arg("--rps", 500);
var baselineSwitches = Arg("--baseline", 30);
var providerRuns = Arg("--provider-runs", 10);
var workerInProcess = TextArg("--worker", "inproc") != "process";
var repo = FindRepo();
var configuration = typeof(ListenerTraffic).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
var ddctlArg = TextArg("--ddctl", "");
var ddctl = ddctlArg.Length > 0 ? Path.GetFullPath(ddctlArg) : Path.Combine(repo, "src", "DurableDelivery.Cli", "bin", configuration, "net10.0", "ddctl.dll");
var ddctlLabel = ddctlArg.Length > 0 ? ddctl : "dotnet ddctl.dll";
if (!File.Exists(ddctl))
{
    Console.Error.WriteLine($"error: no ddctl at {ddctl}; build it (dotnet build -c Release src/DurableDelivery.Cli) or pass --ddctl <path of a ddctl executable>.");
    return 2;
}

var dataDir = Path.Combine(Path.GetTempPath(), "dd-bench-delivery-" + Guid.NewGuid().ToString("N")[..8]);
var settle = TimeSpan.FromSeconds(1);

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; {configuration} build; commit {Git(repo, "rev-parse --short HEAD")}");
Console.WriteLine($"uptime before: {Uptime()}");
Console.WriteLine($"settings: ddctl = {ddctlLabel}; {runs} rollbacks per kind, {rps} req/s open-loop load, {baselineSwitches} baseline switches, {providerRuns} provider-only cycles, worker {(workerInProcess ? "in the bench process" : "in a 'ddctl worker run' process")}");

await LocalProviderProcess.StartAsync(new LocalProviderOptions { DataDirectory = dataDir, ArtifactsDirectory = Path.Combine(repo, "infra", "local", "artifacts") });
using var local = new LocalInfraProvider(dataDir);
var timed = new TimedProvider(local);
await using var client = DurableClient.Open(dataDir, new DurableClientOptions { Identity = "bench" });
using var stopWorker = new CancellationTokenSource();
Task? workerRun = null;
Process? workerProcess = null;
var processStart = new List<double>();
var processStatus = new List<double>();
var switchBaseline = new List<double>();
var providerCycle = new List<double>();
var rounds = new List<Round>();
try
{
    // Baselines, first half.
    await ProviderOnlyAsync(local, rps, baselineSwitches / 2, providerRuns / 2, switchBaseline, providerCycle);

    if (workerInProcess)
    {
        var worker = new DurableWorker(client, WorkflowRegistry.Register(new DurableWorkerOptions("default"), timed));
        workerRun = worker.ExecuteAsync(stopWorker.Token);
    }
    else
    {
        workerProcess = await StartWorkerProcessAsync(ddctl, dataDir);
    }

    var port = (await local.EnsureListenerAsync(new ListenerSpec { Environment = "bench" }, "bench/listener")).Port;
    var declaration = EnvironmentDeclaration.Parse(
        $"name: bench\nprovider: local\nlistener:\n  port: {port}\ninstances: 2\nartifact:\n  component: app\nrollout:\n  - weight: 100\nwarmRetention: 2\n",
        "bench.yaml").GetValueOrThrow();
    var env = client.GetWorkflowHandle<EnvironmentWorkflow>("env/bench");
    await client.StartWorkflowAsync((EnvironmentWorkflow e) => e.RunAsync(new EnvironmentInput { Declaration = declaration }), new WorkflowOptions("env/bench", "default"));
    var first = await DeliverAsync(client, env, declaration, "1.0.0", "sample-v1", timed, workerInProcess);
    var target = first.InfraSetId;
    Console.WriteLine($"warm rollback target: {target} (v1); each round delivers a new v2 infra-set with zero bakes, then rolls back to it");

    await using var traffic = new ListenerTraffic(new Uri($"http://127.0.0.1:{port}/"), rps);
    await Task.Delay(TimeSpan.FromSeconds(2));
    for (var i = 0; i < runs * 2; i++)
    {
        var delivered = await DeliverAsync(client, env, declaration, $"2.0.{i}", "sample-v2", timed, workerInProcess);
        await IdleAsync(env, delivered.InfraSetId);
        processStart.Add(await ProcessSecondsAsync(ddctl, ["--version"]) * 1000);
        processStatus.Add(await ProcessSecondsAsync(ddctl, ["env", "status", "bench", "--data-dir", dataDir, "-o", "json"]) * 1000);
        traffic.Forget();
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var inProcess = i % 2 == 0;
        var issued = Stopwatch.GetTimestamp();
        double? cliUpdateMs = null;
        if (inProcess)
        {
            await env.ExecuteUpdateAsync(e => e.RollbackAsync(new RollbackOverride { RequestedBy = "bench", Reason = $"round {i}", RequestedAt = DateTimeOffset.UtcNow }));
        }
        else
        {
            var (exit, stdout) = await RunAsync(ddctl, ["env", "rollback", "bench", "--reason", $"round {i}", "--as", "bench", "--data-dir", dataDir, "-o", "json"]);
            if (exit != 0)
            {
                throw new InvalidOperationException($"ddctl env rollback exited {exit}: {stdout}");
            }

            cliUpdateMs = System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("elapsedMs").GetDouble();
        }

        var returned = Stopwatch.GetTimestamp();
        var seen = await traffic.SettledAsync("v1", issued, settle, TimeSpan.FromSeconds(15))
            ?? throw new InvalidOperationException($"round {i}: the listener did not settle on v1 within 15 s of the rollback");
        rounds.Add(new Round(
            inProcess, seen.Effective.TotalMilliseconds, Stopwatch.GetElapsedTime(issued, returned).TotalMilliseconds, cliUpdateMs, seen.Elsewhere,
            traffic.ElsewhereAfter("v1", returned), delivered));
        await IdleAsync(env, target);
        if (i % 10 == 9)
        {
            Console.WriteLine($"round {i + 1}/{runs * 2} done; uptime: {Uptime()}");
        }
    }

    var report = traffic.Report;
    Console.WriteLine($"load on the bench listener: {report.Completed} responses, {report.Failed} failed, {report.Skipped} skipped (max concurrency), latency p50 {report.LatencyP50Ms:0.00} ms p99 {report.LatencyP99Ms:0.00} ms");

    // Baselines, second half (the machine's load drifts; the halves show how much).
    await ProviderOnlyAsync(local, rps, baselineSwitches - (baselineSwitches / 2), providerRuns - (providerRuns / 2), switchBaseline, providerCycle);
}
finally
{
    Console.WriteLine($"uptime after: {Uptime()}");
    await stopWorker.CancelAsync();
    if (workerRun is not null)
    {
        await workerRun;
    }

    if (workerProcess is not null)
    {
        workerProcess.Kill();
        await workerProcess.WaitForExitAsync();
    }

    await LocalProviderProcess.StopAsync(dataDir);
    Directory.Delete(dataDir, recursive: true);
}

PrintResults(rounds, switchBaseline, processStart, processStatus, providerCycle, workerInProcess, rps, ddctlLabel);
return 0;

// ---------------------------------------------------------------------------------------------------------------------

static async Task<Delivered> DeliverAsync(DurableClient client, WorkflowHandle<EnvironmentWorkflow> env, EnvironmentDeclaration declaration, string version, string artifact, TimedProvider timed, bool timedWorker)
{
    var set = VersionSet.Parse($"stack: bench\ncomponents:\n  - name: app\n    version: {version}\n    artifact: {artifact}\n", $"{artifact}-{version}.yaml").GetValueOrThrow();
    var requestedUtc = DateTimeOffset.UtcNow;
    var requested = Stopwatch.GetTimestamp();
    var ticket = await env.ExecuteUpdateAsync(e => e.RequestDeliveryAsync(new DeliveryRequest { Environment = declaration, VersionSet = set, RequestedBy = "bench", RequestedAt = requestedUtc }));
    DeliveryResult result;
    while (true)
    {
        try
        {
            result = await client.GetWorkflowHandle(ticket.DeliveryId).GetResultAsync<DeliveryResult>();
            break;
        }
        catch (WorkflowNotFoundException)
        {
            await Task.Delay(20);
        }
    }

    var ended = Stopwatch.GetTimestamp();
    if (result.Outcome != DeliveryOutcome.Promoted)
    {
        throw new InvalidOperationException($"{ticket.DeliveryId} ended {result.Outcome}: {result.Message}");
    }

    var status = await client.GetWorkflowHandle<DeliveryWorkflow>(ticket.DeliveryId).QueryAsync(d => d.Status);
    var promotedAt = status.Timeline.First(t => t.Kind == "Promoted").At;
    var promoted = requested + (long)((promotedAt - requestedUtc).TotalSeconds * Stopwatch.Frequency);
    var toPromoted = TimeSpan.FromSeconds((promoted - requested) / (double)Stopwatch.Frequency);
    TimeSpan? providerTime = timedWorker ? timed.BusyBetween(requested, promoted) : null;
    var calls = timedWorker ? string.Join(", ", timed.Between(requested, promoted).Select(c => $"{c.What} {c.Took.TotalMilliseconds:0}")) : string.Empty;
    return new Delivered(result.InfraSetId!, toPromoted.TotalMilliseconds, Stopwatch.GetElapsedTime(requested, ended).TotalMilliseconds, providerTime?.TotalMilliseconds, calls);
}

// Waits until the environment has no active delivery, no pending cleanup, and all traffic on one infra-set.
static async Task IdleAsync(WorkflowHandle<EnvironmentWorkflow> env, string allOn)
{
    var watch = Stopwatch.StartNew();
    while (true)
    {
        var s = await env.QueryAsync(e => e.Status);
        var cleaning = s.InfraSets.Any(x => x.Retired && x.Status != DurableDelivery.Domain.Traffic.InfraSetStatus.Deleted);
        if (s.ActiveDelivery is null && s.Queue.Count == 0 && !cleaning && s.Weights.WeightOf(allOn) == s.Weights.Total && s.Weights.Total > 0)
        {
            return;
        }

        if (watch.Elapsed > TimeSpan.FromSeconds(60))
        {
            throw new InvalidOperationException($"env/bench did not settle on {allOn} within 60 s: weights {s.Weights}, active {s.ActiveDelivery?.DeliveryId}");
        }

        await Task.Delay(50);
    }
}

// The provider alone, no engine: weight switches between two warm infra-sets under the same load (the floor under a
// rollback), and create + wait healthy + delete of an infra-set like the ones the deliveries create.
static async Task ProviderOnlyAsync(LocalInfraProvider provider, int rps, int switches, int cycles, List<double> switchMs, List<double> cycleMs)
{
    var tag = Guid.NewGuid().ToString("N")[..6];
    var listener = await provider.EnsureListenerAsync(new ListenerSpec { Environment = "baseline" }, $"baseline/listener");
    var a = await provider.WaitHealthyAsync((await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "baseline", ArtifactId = "sample-v1", InstanceCount = 1 }, $"{tag}/a")).Id, TimeSpan.FromSeconds(60));
    var b = await provider.WaitHealthyAsync((await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "baseline", ArtifactId = "sample-v2", InstanceCount = 1 }, $"{tag}/b")).Id, TimeSpan.FromSeconds(60));
    await provider.SetWeightsAsync("baseline", new Dictionary<string, int> { [a.Id] = 100 }, $"{tag}/w");
    await using (var traffic = new ListenerTraffic(new Uri(listener.Endpoint), rps))
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        for (var i = 0; i < switches; i++)
        {
            var to = i % 2 == 0 ? b : a;
            traffic.Forget();
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var issued = Stopwatch.GetTimestamp();
            await provider.SetWeightsAsync("baseline", new Dictionary<string, int> { [to.Id] = 100 }, $"{tag}/switch-{i}");
            var seen = await traffic.SettledAsync(to.Version, issued, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15))
                ?? throw new InvalidOperationException("the baseline listener did not settle");
            switchMs.Add(seen.Effective.TotalMilliseconds);
        }
    }

    // Keep only 'a' (taking all of the baseline listener's traffic); a second call of this method replaces it.
    await provider.SetWeightsAsync("baseline", new Dictionary<string, int> { [a.Id] = 100 }, $"{tag}/back");
    foreach (var other in (await provider.ListInfraSetsAsync("baseline")).Where(s => s.Id != a.Id && s.Status != InfraSetStatus.Deleted))
    {
        await provider.DeleteInfraSetAsync(other.Id, $"{tag}/delete-{other.Id}");
    }

    for (var i = 0; i < cycles; i++)
    {
        var started = Stopwatch.GetTimestamp();
        var created = await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "baseline", ArtifactId = "sample-v2", InstanceCount = 2 }, $"{tag}/cycle-{i}");
        var healthy = await provider.WaitHealthyAsync(created.Id, TimeSpan.FromSeconds(60));
        if (healthy.Status != InfraSetStatus.Healthy)
        {
            throw new InvalidOperationException($"{created.Id} did not become healthy: {healthy.StatusMessage}");
        }

        await provider.SetWeightsAsync("baseline", new Dictionary<string, int> { [a.Id] = 99, [created.Id] = 1 }, $"{tag}/cycle-{i}/on");
        await provider.SetWeightsAsync("baseline", new Dictionary<string, int> { [a.Id] = 100 }, $"{tag}/cycle-{i}/off");
        cycleMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await provider.DeleteInfraSetAsync(created.Id, $"{tag}/cycle-{i}/delete");
    }
}

static async Task<Process> StartWorkerProcessAsync(string ddctl, string dataDir)
{
    var info = DdctlStart(ddctl);
    foreach (var a in (string[])["worker", "run", "--data-dir", dataDir])
    {
        info.ArgumentList.Add(a);
    }

    var process = Process.Start(info)!;
    process.ErrorDataReceived += (_, _) => { };
    process.BeginErrorReadLine();
    while (await process.StandardOutput.ReadLineAsync() is { } line)
    {
        if (line.StartsWith("worker ready:", StringComparison.Ordinal))
        {
            _ = process.StandardOutput.ReadToEndAsync();
            return process;
        }
    }

    throw new InvalidOperationException("the worker process exited before it was ready");
}

// A .dll runs through the dotnet host; anything else is an executable (the apphost of a published ddctl).
static ProcessStartInfo DdctlStart(string ddctl)
{
    var dll = ddctl.EndsWith(".dll", StringComparison.Ordinal);
    var info = new ProcessStartInfo(dll ? "dotnet" : ddctl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    if (dll)
    {
        info.ArgumentList.Add(ddctl);
    }

    return info;
}

static async Task<double> ProcessSecondsAsync(string ddctl, string[] args)
{
    var watch = Stopwatch.StartNew();
    var (exit, output) = await RunAsync(ddctl, args);
    return exit == 0 ? watch.Elapsed.TotalSeconds : throw new InvalidOperationException($"ddctl {string.Join(' ', args)} exited {exit}: {output}");
}

static async Task<(int Exit, string Stdout)> RunAsync(string ddctl, string[] args)
{
    var info = DdctlStart(ddctl);
    foreach (var a in args)
    {
        info.ArgumentList.Add(a);
    }

    info.Environment["NO_COLOR"] = "1";
    using var process = Process.Start(info)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return (process.ExitCode, await stdout + await stderr);
}

static void PrintResults(List<Round> rounds, List<double> switchBaseline, List<double> processStart, List<double> processStatus, List<double> providerCycle, bool timedWorker, int rps, string ddctlLabel)
{
    var a = rounds.Where(r => r.InProcess).ToList();
    var b = rounds.Where(r => !r.InProcess).ToList();
    Console.WriteLine();
    Console.WriteLine($"## rollback: issue -> every new request served by the warm target, at the listener ({rps} req/s, resolution ~{1000.0 / rps:0.#} ms)");
    Console.WriteLine("| measure | n | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    Row("(a) rollback update in-process: issue -> listener switched", [.. a.Select(r => r.EffectiveMs)]);
    Row("(a) rollback update in-process: call round trip (returns after the weights are applied)", [.. a.Select(r => r.CallMs)]);
    Row($"(b) `{ddctlLabel} env rollback` process: start -> listener switched", [.. b.Select(r => r.EffectiveMs)]);
    Row("(b) process: start -> exit", [.. b.Select(r => r.CallMs)]);
    Row("(b) process: the update round trip ddctl reports (elapsedMs)", [.. b.Select(r => r.CliUpdateMs!.Value)]);
    Row("baseline: provider SetWeights alone -> listener switched", [.. switchBaseline]);
    Row($"baseline: `{ddctlLabel} --version` start -> exit", [.. processStart]);
    Row($"baseline: `{ddctlLabel} env status bench -o json` start -> exit (open the store, describe, status query)", [.. processStatus]);
    Console.WriteLine(Invariant($"ratios (p50): (a) / provider switch = {Ratio(a.Select(r => r.EffectiveMs), switchBaseline)}, (b) / process start = {Ratio(b.Select(r => r.EffectiveMs), processStart)}, (b) - process start p50 = {Stats.Percentile([.. b.Select(r => r.EffectiveMs)], 50) - Stats.Percentile([.. processStart], 50):0} ms"));
    Console.WriteLine($"requests sent after the rollback returned but served elsewhere: {rounds.Sum(r => r.LateElsewhere)}; sent after issue and before the switch, served by the old infra-set: "
        + $"(a) median {Stats.Percentile([.. a.Select(r => (double)r.Elsewhere)], 50):0}, max {a.Max(r => r.Elsewhere)}; (b) median {Stats.Percentile([.. b.Select(r => (double)r.Elsewhere)], 50):0}, max {b.Max(r => r.Elsewhere)}");

    var d = rounds.Select(r => r.Delivered).ToList();
    Console.WriteLine();
    Console.WriteLine("## delivery with zero bakes (one step: 100% to the new infra-set), request -> Promoted");
    Console.WriteLine("| measure | n | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    Row("request -> Promoted (wall)", [.. d.Select(x => x.ToPromotedMs)]);
    Row("request -> delivery ended (incl. retention cleanup)", [.. d.Select(x => x.ToEndMs)]);
    if (timedWorker)
    {
        Row("provider calls inside request -> Promoted (worker-side, overlap counted once)", [.. d.Select(x => x.ProviderMs!.Value)]);
        Row("**orchestration overhead** = wall - provider calls", [.. d.Select(x => x.ToPromotedMs - x.ProviderMs!.Value)]);
    }

    Row("baseline: provider alone: create 2 instances + wait healthy + 2 weight changes", [.. providerCycle]);
    Console.WriteLine(Invariant($"ratio (p50): delivery wall / provider-only cycle = {Ratio(d.Select(x => x.ToPromotedMs), providerCycle)}"));
    if (timedWorker)
    {
        Console.WriteLine($"provider calls of a typical delivery (ms): {d[d.Count / 2].Calls}");
    }
}

static void Row(string name, double[] values) => Console.WriteLine(Invariant(
    $"| {name} | {values.Length} | {Stats.Percentile(values, 50):0.0} | {Stats.Percentile(values, 90):0.0} | {Stats.Percentile(values, 99):0.0} | {values.Max():0.0} | {values.Average():0.0} |"));

static string Ratio(IEnumerable<double> measured, List<double> baseline) =>
    (Stats.Percentile([.. measured], 50) / Stats.Percentile([.. baseline], 50)).ToString("0.0", CultureInfo.InvariantCulture);

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static string Uptime()
{
    using var process = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true })!;
    return process.StandardOutput.ReadToEnd().Trim();
}

static string Git(string repo, string args)
{
    using var process = Process.Start(new ProcessStartInfo("git", $"-C {repo} {args}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
    return process.StandardOutput.ReadToEnd().Trim();
}

static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DurableDelivery.sln")))
        {
            return dir.FullName;
        }
    }

    throw new DirectoryNotFoundException("DurableDelivery.sln not found above the bench");
}

int Arg(string name, int fallback) => int.Parse(TextArg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

string TextArg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

/// <summary>One delivery of the bench: its new infra-set, request -> Promoted, request -> ended, the provider's time inside the first, and its calls.</summary>
internal sealed record Delivered(string InfraSetId, double ToPromotedMs, double ToEndMs, double? ProviderMs, string Calls);

/// <summary>One round: a zero-bake delivery, then a rollback of one kind, measured at the listener.</summary>
internal sealed record Round(bool InProcess, double EffectiveMs, double CallMs, double? CliUpdateMs, int Elsewhere, int LateElsewhere, Delivered Delivered);
