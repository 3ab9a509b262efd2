using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;
using DurableDelivery.Providers.Local.Load;

// Local provider benchmark: (1) latency the listener adds over calling an instance directly, at a steady open-loop
// rate; (2) time from a weight-change call to the first request routed by the new weights.
// Usage: dotnet run -c Release --project bench/DurableDelivery.Bench.Local -- [--rps 1000] [--seconds 10] [--rounds 2] [--switches 20]
var rps = Arg("--rps", 1000);
var seconds = Arg("--seconds", 10);
var rounds = Arg("--rounds", 2);
var switches = Arg("--switches", 20);
var dataDirectory = Path.Combine(Path.GetTempPath(), "dd-bench-local-" + Guid.NewGuid().ToString("N")[..8]);
var artifacts = FindArtifacts();

Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
await LocalProviderProcess.StartAsync(new LocalProviderOptions { DataDirectory = dataDirectory, ArtifactsDirectory = artifacts });
using var provider = new LocalInfraProvider(dataDirectory);
try
{
    var listener = await provider.EnsureListenerAsync(new ListenerSpec { Environment = "bench" }, "bench/listener");
    var v1 = await provider.WaitHealthyAsync((await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "bench", ArtifactId = "sample-v1" }, "bench/v1")).Id, TimeSpan.FromSeconds(30));
    var v2 = await provider.WaitHealthyAsync((await provider.CreateInfraSetAsync(new InfraSetSpec { Environment = "bench", ArtifactId = "sample-v2" }, "bench/v2")).Id, TimeSpan.FromSeconds(30));
    await provider.SetWeightsAsync("bench", new Dictionary<string, int> { [v1.Id] = 100 }, "bench/w0");
    var direct = new Uri(v1.Instances[0].Endpoint);
    var proxied = new Uri(listener.Endpoint);

    // Warm both paths (JIT, connection pools) before measuring.
    await MeasureAsync(direct, rps, 2);
    await MeasureAsync(proxied, rps, 2);
    var directAll = new List<double>();
    var proxiedAll = new List<double>();
    for (var round = 0; round < rounds; round++)
    {
        directAll.AddRange(await MeasureAsync(direct, rps, seconds));
        proxiedAll.AddRange(await MeasureAsync(proxied, rps, seconds));
    }

    directAll.Sort();
    proxiedAll.Sort();
    Console.WriteLine();
    Console.WriteLine($"## proxy added latency at {rps} req/s ({rounds} x {seconds} s per path, interleaved; client, proxy and instance share the machine)");
    Console.WriteLine("| path | requests | p50 ms | p90 ms | p99 ms | max ms |");
    Console.WriteLine("|---|---|---|---|---|---|");
    Row("instance directly", directAll);
    Row("through the listener", proxiedAll);
    Console.WriteLine(Invariant($"| **added by the listener** | | **{Q(proxiedAll, 0.5) - Q(directAll, 0.5):0.000}** | {Q(proxiedAll, 0.9) - Q(directAll, 0.9):0.000} | **{Q(proxiedAll, 0.99) - Q(directAll, 0.99):0.000}** | |"));

    // Same comparison with both paths loaded at the same time (each at the full rate), so machine noise hits both alike.
    var directTogether = new List<double>();
    var proxiedTogether = new List<double>();
    for (var round = 0; round < rounds; round++)
    {
        var both = await Task.WhenAll(MeasureAsync(direct, rps, seconds), MeasureAsync(proxied, rps, seconds));
        directTogether.AddRange(both[0]);
        proxiedTogether.AddRange(both[1]);
    }

    directTogether.Sort();
    proxiedTogether.Sort();
    Console.WriteLine();
    Console.WriteLine($"## proxy added latency, both paths at {rps} req/s at the same time ({rounds} x {seconds} s)");
    Console.WriteLine("| path | requests | p50 ms | p90 ms | p99 ms | max ms |");
    Console.WriteLine("|---|---|---|---|---|---|");
    Row("instance directly", directTogether);
    Row("through the listener", proxiedTogether);
    Console.WriteLine(Invariant($"| **added by the listener** | | **{Q(proxiedTogether, 0.5) - Q(directTogether, 0.5):0.000}** | {Q(proxiedTogether, 0.9) - Q(directTogether, 0.9):0.000} | **{Q(proxiedTogether, 0.99) - Q(directTogether, 0.99):0.000}** | |"));

    await WeightSwitchAsync(provider, proxied, v1.Id, v2.Id, switches, rps);
}
finally
{
    Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    await LocalProviderProcess.StopAsync(dataDirectory);
    Directory.Delete(dataDirectory, recursive: true);
}

static async Task<List<double>> MeasureAsync(Uri target, int rps, int seconds)
{
    var latencies = new ConcurrentBag<double>();
    using var generator = new LoadGenerator();
    var report = await generator.RunAsync(
        new LoadOptions { Target = target, RequestsPerSecond = rps, Duration = TimeSpan.FromSeconds(seconds) },
        response =>
        {
            if (response.StatusCode == 200)
            {
                latencies.Add(response.Latency.TotalMilliseconds);
            }
        });
    if (report.Failed > 0 || report.Skipped > 0)
    {
        Console.WriteLine($"warning: {target} failed {report.Failed}, skipped {report.Skipped}");
    }

    return [.. latencies];
}

static async Task WeightSwitchAsync(LocalInfraProvider provider, Uri listener, string v1, string v2, int switches, int rps)
{
    // Open-loop load at the same rate as above: a request leaves about every 1/rps s, which bounds the resolution.
    var sends = new ConcurrentQueue<LoadResponse>();
    using var stop = new CancellationTokenSource();
    using var generator = new LoadGenerator();
    var load = generator.RunAsync(new LoadOptions { Target = listener, RequestsPerSecond = rps, Duration = TimeSpan.FromMinutes(10) }, sends.Enqueue, cancellationToken: stop.Token);

    var effective = new List<double>();
    var callTimes = new List<double>();
    var late = 0;
    var target = "v1";
    for (var i = 0; i < switches; i++)
    {
        target = target == "v1" ? "v2" : "v1";
        var weights = new Dictionary<string, int> { [v1] = target == "v1" ? 100 : 0, [v2] = target == "v2" ? 100 : 0 };
        await Task.Delay(300);
        var before = Stopwatch.GetTimestamp();
        await provider.SetWeightsAsync("bench", weights, $"bench/switch-{i}");
        var returned = Stopwatch.GetTimestamp();
        await Task.Delay(200);
        var after = sends.Where(s => s.StartedTimestamp > before).OrderBy(s => s.StartedTimestamp).ToList();
        var first = after.First(s => s.Version == target);
        effective.Add(Stopwatch.GetElapsedTime(before, first.StartedTimestamp).TotalMilliseconds);
        callTimes.Add(Stopwatch.GetElapsedTime(before, returned).TotalMilliseconds);
        late += after.Count(s => s.StartedTimestamp > returned && s.Version != target);
    }

    await stop.CancelAsync();
    await load;
    effective.Sort();
    callTimes.Sort();
    Console.WriteLine();
    Console.WriteLine($"## weight change ({switches} switches 100/0 <-> 0/100 under open-loop load at {rps} req/s)");
    Console.WriteLine("| measure | median ms | p90 ms | max ms |");
    Console.WriteLine("|---|---|---|---|");
    Console.WriteLine(Invariant($"| call start -> first request routed by the new weights | {Q(effective, 0.5):0.00} | {Q(effective, 0.9):0.00} | {effective[^1]:0.00} |"));
    Console.WriteLine(Invariant($"| SetWeightsAsync round trip (HTTP, validate, swap table, fsync state.json, reply) | {Q(callTimes, 0.5):0.00} | {Q(callTimes, 0.9):0.00} | {callTimes[^1]:0.00} |"));
    Console.WriteLine($"requests sent after SetWeightsAsync returned but routed by the old weights: {late}");
}

static void Row(string name, List<double> sorted) =>
    Console.WriteLine(Invariant($"| {name} | {sorted.Count} | {Q(sorted, 0.5):0.000} | {Q(sorted, 0.9):0.000} | {Q(sorted, 0.99):0.000} | {sorted[^1]:0.000} |"));

static double Q(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string FindArtifacts()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "infra", "local", "artifacts");
        if (Directory.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new DirectoryNotFoundException("infra/local/artifacts not found");
}
