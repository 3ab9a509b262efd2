using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using DurableDelivery.Bench.Delivery;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;
using DurableDelivery.Server.Hosting;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

// Delivery benchmark on the Temporal .NET SDK: the embedded Temporal server (a 'ddctl server start-dev' process, as users
// run it; --server inproc: in the bench process), a Temporalio worker hosting WorkflowRegistry (in the bench process;
// --worker process: a 'ddctl worker run' process), the local provider (its own process), open-loop load on the listener:
//  - rollback latency: from issuing a rollback to the moment every NEW request is served by the warm target infra-set,
//    observed at the listener; (a) the environment's 'rollback' update issued in-process through a Temporalio client
//    (the update 'ddctl env rollback' sends), (b) the whole 'ddctl env rollback ... --address <server>' process;
//    alternating, one of each per round;
//  - orchestration overhead of a delivery with zero bakes (one step to 100%): request -> Promoted, minus the time the
//    worker spent in provider calls (every call timed), next to a provider-only cycle measured in the same run;
//  - baselines in the same run: a bare weight switch through the provider (the floor under (a)), the start-up of
//    'ddctl --version' (the floor under (b)) and 'ddctl env status' (connect, describe, status query).
// Usage: dotnet run -c Release --project bench/DurableDelivery.Bench.Delivery -- [--runs 30] [--rps 500] [--baseline 30] [--provider-runs 10]
//        [--worker inproc|process] [--server process|inproc]
//        [--ddctl <path of a ddctl executable, e.g. one published ReadyToRun (docs/cli.md)>; default: dotnet <the build's ddctl.dll>]
var runs = Arg("--runs", 30);
var rps = Arg("--rps", 500);
var baselineSwitches = Arg("--baseline", 30);
var providerRuns = Arg("--provider-runs", 10);
var workerInProcess = TextArg("--worker", "inproc") != "process";
var serverInProcess = TextArg("--server", "process") == "inproc";
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
Directory.CreateDirectory(dataDir);
var settle = TimeSpan.FromSeconds(1);

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; {configuration} build; commit {Git(repo, "rev-parse --short HEAD")}");
Console.WriteLine($"uptime before: {Uptime()}");
Console.WriteLine($"settings: ddctl = {ddctlLabel}; {runs} rollbacks per kind, {rps} req/s open-loop load, {baselineSwitches} baseline switches, {providerRuns} provider-only cycles, "
    + $"worker {(workerInProcess ? "in the bench process (TemporalWorker)" : "in a 'ddctl worker run' process")}, "
    + $"server {(serverInProcess ? "in the bench process (TemporalServer)" : "a 'ddctl server start-dev' process")}");

TemporalServer? server = null;
Process? serverProcess = null;
Process? workerProcess = null;
LocalInfraProvider? local = null;
Task? workerRun = null;
using var stopWorker = new CancellationTokenSource();
var processStart = new List<double>();
var processStatus = new List<double>();
var switchBaseline = new List<double>();
var providerCycle = new List<double>();
var rounds = new List<Round>();
try
{
    // The embedded Temporal server on a port of its own, its database in the bench's data dir.
    var database = Path.Combine(dataDir, "temporal.db");
    var serverWatch = Stopwatch.StartNew();
    string address;
    if (serverInProcess)
    {
        server = await TemporalServer.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = database });
        address = server.Target;
    }
    else
    {
        var port = FreePort();
        address = $"127.0.0.1:{port}";
        serverProcess = await StartDdctlAsync(ddctl, ["server", "start-dev", "--port", $"{port}", "--db-filename", database, "--log-level", "warn"], "is running at");
    }

    Console.WriteLine($"server: {address} (ready after {serverWatch.Elapsed.TotalMilliseconds:0} ms)");

    await LocalProviderProcess.StartAsync(new LocalProviderOptions { DataDirectory = dataDir, ArtifactsDirectory = Path.Combine(repo, "infra", "local", "artifacts") });
    local = new LocalInfraProvider(dataDir);
    var timed = new TimedProvider(local);
    var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address)
    {
        DataConverter = DeliveryDataConverter.Instance,
        Identity = "bench",
    });

    // Baselines, first half.
    await ProviderOnlyAsync(local, rps, baselineSwitches / 2, providerRuns / 2, switchBaseline, providerCycle);

    if (workerInProcess)
    {
        var worker = new TemporalWorker(client, WorkflowRegistry.Register(new TemporalWorkerOptions("default") { Identity = "bench-worker" }, timed));
        workerRun = worker.ExecuteAsync(stopWorker.Token);
    }
    else
    {
        workerProcess = await StartDdctlAsync(ddctl, ["worker", "run", "--address", address, "--data-dir", dataDir], "worker ready:");
    }

    var listenerPort = (await local.EnsureListenerAsync(new ListenerSpec { Environment = "bench" }, "bench/listener")).Port;
    var declaration = EnvironmentDeclaration.Parse(
        $"name: bench\nprovider: local\nlistener:\n  port: {listenerPort}\ninstances: 2\nartifact:\n  component: app\nrollout:\n  - weight: 100\nwarmRetention: 2\n",
        "bench.yaml").GetValueOrThrow();
    var env = client.GetWorkflowHandle<EnvironmentWorkflow>("env/bench");
    await client.StartWorkflowAsync((EnvironmentWorkflow e) => e.RunAsync(new EnvironmentInput { Declaration = declaration }), new WorkflowOptions("env/bench", "default"));
    var first = await DeliverAsync(client, env, declaration, "1.0.0", "sample-v1", timed, workerInProcess);
    var target = first.InfraSetId;
    Console.WriteLine($"warm rollback target: {target} (v1); each round delivers a new v2 infra-set with zero bakes, then rolls back to it");

    await using var traffic = new ListenerTraffic(new Uri($"http://127.0.0.1:{listenerPort}/"), rps);
    await Task.Delay(TimeSpan.FromSeconds(2));
    for (var i = 0; i < runs * 2; i++)
    {
        var delivered = await DeliverAsync(client, env, declaration, $"2.0.{i}", "sample-v2", timed, workerInProcess);
        await IdleAsync(env, delivered.InfraSetId);
        processStart.Add(await ProcessSecondsAsync(ddctl, ["--version"]) * 1000);
        processStatus.Add(await ProcessSecondsAsync(ddctl, ["env", "status", "bench", "--address", address, "--data-dir", dataDir, "-o", "json"]) * 1000);
        traffic.Forget();
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var inProcess = i % 2 == 0;
        var issued = Stopwatch.GetTimestamp();
        double? cliUpdateMs = null;
        var hostedWorker = false;
        if (inProcess)
        {
            // The update 'ddctl env rollback' sends (an untyped handle, as any Temporal client can send it).
            await client.GetWorkflowHandle("env/bench").ExecuteUpdateAsync<OverrideOutcome>(
                "rollback", [new RollbackOverride { RequestedBy = "bench", Reason = $"round {i}", RequestedAt = DateTimeOffset.UtcNow }]);
        }
        else
        {
            var (exit, stdout, stderr) = await RunAsync(ddctl, ["env", "rollback", "bench", "--reason", $"round {i}", "--as", "bench", "--address", address, "--data-dir", dataDir, "-o", "json"]);
            if (exit != 0)
            {
                throw new InvalidOperationException($"ddctl env rollback exited {exit}: {stdout}{stderr}");
            }

            cliUpdateMs = System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("elapsedMs").GetDouble();
            hostedWorker = stderr.Contains("running one in this command", StringComparison.Ordinal);
        }

        var returned = Stopwatch.GetTimestamp();
        var seen = await traffic.SettledAsync("v1", issued, settle, TimeSpan.FromSeconds(15))
            ?? throw new InvalidOperationException($"round {i}: the listener did not settle on v1 within 15 s of the rollback");
        rounds.Add(new Round(
            inProcess, seen.Effective.TotalMilliseconds, Stopwatch.GetElapsedTime(issued, returned).TotalMilliseconds, cliUpdateMs, seen.Elsewhere,
            traffic.ElsewhereAfter("v1", returned), hostedWorker, delivered));
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
        try
        {
            await workerRun;
        }
        catch (OperationCanceledException)
        {
            // How TemporalWorker.ExecuteAsync ends when it is asked to stop.
        }
    }

    await StopAsync(workerProcess);
    local?.Dispose();
    await LocalProviderProcess.StopAsync(dataDir);
    await StopAsync(serverProcess);
    if (server is not null)
    {
        await server.DisposeAsync();
    }

    Directory.Delete(dataDir, recursive: true);
}

PrintResults(rounds, switchBaseline, processStart, processStatus, providerCycle, workerInProcess, rps, ddctlLabel);
return 0;

// ---------------------------------------------------------------------------------------------------------------------

static async Task<Delivered> DeliverAsync(TemporalClient client, WorkflowHandle<EnvironmentWorkflow> env, EnvironmentDeclaration declaration, string version, string artifact, TimedProvider timed, bool timedWorker)
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
            // The environment starts the delivery as a child workflow once the update is handled; until then it does not exist.
            result = await client.GetWorkflowHandle(ticket.DeliveryId).GetResultAsync<DeliveryResult>();
            break;
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            await Task.Delay(20);
        }
    }

    var ended = Stopwatch.GetTimestamp();
    if (result.Outcome != DeliveryOutcome.Promoted)
    {
        throw new InvalidOperationException($"{ticket.DeliveryId} ended {result.Outcome}: {result.Message}");
    }

    // The Promoted entry's time is Workflow.UtcNow of the workflow task that recorded it (the server's clock, this machine's).
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

// The provider alone, no workflow: weight switches between two warm infra-sets under the same load (the floor under a
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

// A loopback port nothing listens on now (the server binds it a moment later).
static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

// Starts a long-running ddctl command (the server, a worker) and returns once it prints a line containing 'ready'.
static async Task<Process> StartDdctlAsync(string ddctl, string[] args, string ready)
{
    var info = DdctlStart(ddctl);
    foreach (var a in args)
    {
        info.ArgumentList.Add(a);
    }

    var process = Process.Start(info)!;
    var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
    process.ErrorDataReceived += (_, e) =>
    {
        if (e.Data is { } line)
        {
            stderr.Enqueue(line);
            while (stderr.Count > 20 && stderr.TryDequeue(out var dropped))
            {
            }
        }
    };
    process.BeginErrorReadLine();
    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    try
    {
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.Contains(ready, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync();
                return process;
            }
        }
    }
    catch (OperationCanceledException)
    {
        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"ddctl {string.Join(' ', args)} printed no '{ready}' within 60 s; stderr: {string.Join('\n', stderr)}");
    }

    await process.WaitForExitAsync();
    throw new InvalidOperationException($"ddctl {string.Join(' ', args)} exited {process.ExitCode} before it was ready; stderr: {string.Join('\n', stderr)}");
}

static async Task StopAsync(Process? process)
{
    if (process is null)
    {
        return;
    }

    if (!process.HasExited)
    {
        process.Kill(entireProcessTree: true);
    }

    await process.WaitForExitAsync();
    process.Dispose();
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

    // An explicit --address everywhere: nothing may fall back to (or start) the default embedded server at 127.0.0.1:7233.
    foreach (var name in new[] { "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_PROFILE", "TEMPORAL_CONFIG_FILE", "TEMPORAL_API_KEY", "TEMPORAL_TLS" })
    {
        info.Environment.Remove(name);
    }

    info.Environment["NO_COLOR"] = "1";
    return info;
}

static async Task<double> ProcessSecondsAsync(string ddctl, string[] args)
{
    var watch = Stopwatch.StartNew();
    var (exit, stdout, stderr) = await RunAsync(ddctl, args);
    return exit == 0 ? watch.Elapsed.TotalSeconds : throw new InvalidOperationException($"ddctl {string.Join(' ', args)} exited {exit}: {stdout}{stderr}");
}

static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string ddctl, string[] args)
{
    var info = DdctlStart(ddctl);
    foreach (var a in args)
    {
        info.ArgumentList.Add(a);
    }

    using var process = Process.Start(info)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return (process.ExitCode, await stdout, await stderr);
}

static void PrintResults(List<Round> rounds, List<double> switchBaseline, List<double> processStart, List<double> processStatus, List<double> providerCycle, bool timedWorker, int rps, string ddctlLabel)
{
    var a = rounds.Where(r => r.InProcess).ToList();
    var b = rounds.Where(r => !r.InProcess).ToList();
    if (a.Count == 0 || b.Count == 0)
    {
        Console.WriteLine("no complete round of each kind: nothing to report");
        return;
    }

    Console.WriteLine();
    Console.WriteLine($"## rollback: issue -> every new request served by the warm target, at the listener ({rps} req/s, resolution ~{1000.0 / rps:0.#} ms)");
    Console.WriteLine("| measure | n | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
    Console.WriteLine("|---|---|---|---|---|---|---|");
    Row("(a) rollback update in-process (Temporalio client): issue -> listener switched", [.. a.Select(r => r.EffectiveMs)]);
    Row("(a) rollback update in-process: call round trip (returns after the weights are applied)", [.. a.Select(r => r.CallMs)]);
    Row($"(b) `{ddctlLabel} env rollback --address` process: start -> listener switched", [.. b.Select(r => r.EffectiveMs)]);
    Row("(b) process: start -> exit", [.. b.Select(r => r.CallMs)]);
    Row("(b) process: the update round trip ddctl reports (elapsedMs)", [.. b.Select(r => r.CliUpdateMs!.Value)]);
    Row("baseline: provider SetWeights alone -> listener switched", [.. switchBaseline]);
    Row($"baseline: `{ddctlLabel} --version` start -> exit", [.. processStart]);
    Row($"baseline: `{ddctlLabel} env status bench -o json --address` start -> exit (connect, describe, status query)", [.. processStatus]);
    Console.WriteLine(Invariant($"ratios (p50): (a) / provider switch = {Ratio(a.Select(r => r.EffectiveMs), switchBaseline)}, (b) / process start = {Ratio(b.Select(r => r.EffectiveMs), processStart)}, (b) - process start p50 = {Stats.Percentile([.. b.Select(r => r.EffectiveMs)], 50) - Stats.Percentile([.. processStart], 50):0} ms"));
    Console.WriteLine($"requests sent after the rollback returned but served elsewhere: {rounds.Sum(r => r.LateElsewhere)}; sent after issue and before the switch, served by the old infra-set: "
        + $"(a) median {Stats.Percentile([.. a.Select(r => (double)r.Elsewhere)], 50):0}, max {a.Max(r => r.Elsewhere)}; (b) median {Stats.Percentile([.. b.Select(r => (double)r.Elsewhere)], 50):0}, max {b.Max(r => r.Elsewhere)}");
    Console.WriteLine($"(b) runs in which ddctl found no worker within 2 s and ran one itself: {b.Count(r => r.HostedWorker)} of {b.Count}");

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
internal sealed record Round(bool InProcess, double EffectiveMs, double CallMs, double? CliUpdateMs, int Elsewhere, int LateElsewhere, bool HostedWorker, Delivered Delivered);
