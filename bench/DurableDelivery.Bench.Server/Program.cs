using System.Diagnostics;
using System.Globalization;
using DurableDelivery.Bench.Server;
using Temporalio.Client;
using Temporalio.Worker;

// Figures (docs/benchmarks.md, "Embedded Temporal server"):
//  (1) 3-activity workflows per second with the real SDK worker and client at N in flight (closed loop);
//  (2) step latency p50/p99: one activity's end to the next activity's start, same workflow;
//  (3) CPU per workflow of the server process and of this (SDK) process, apart;
//  (4) resume: 1,000 open workflows whose timers are due, server SIGKILLed and restarted, until all complete, with the
//      worker restarted too (--resume-worker fresh) and with the same worker riding out the outage (kept);
//  (5) the server's resident memory with 10,000 open idle workflows;
//  (6) --only rpc: the floor, server CPU per call of GetSystemInfo and DescribeWorkflowExecution.
var args2 = args.ToList();
string Arg(string name, string fallback)
{
    var i = args2.IndexOf(name);
    return i >= 0 && i + 1 < args2.Count ? args2[i + 1] : fallback;
}

var duration = TimeSpan.FromSeconds(double.Parse(Arg("--duration", "5"), CultureInfo.InvariantCulture));
var levels = Arg("--concurrency", "1,10,100").Split(',').Select(int.Parse).ToArray();
var warmup = TimeSpan.FromSeconds(double.Parse(Arg("--warmup", "5"), CultureInfo.InvariantCulture));
var repeats = int.Parse(Arg("--repeats", "3"), CultureInfo.InvariantCulture);
var only = Arg("--only", "throughput,resume,memory").Split(',');
var noEager = args2.Contains("--no-eager");
var eagerStart = args2.Contains("--eager-start");
var resumeCount = int.Parse(Arg("--resume-count", "1000"), CultureInfo.InvariantCulture);
var idleCount = int.Parse(Arg("--idle-count", "10000"), CultureInfo.InvariantCulture);
var resumeModes = Arg("--resume-worker", "fresh,kept").Split(',');
if (resumeModes.Any(m => m is not ("fresh" or "kept")))
{
    Console.Error.WriteLine("error: --resume-worker takes fresh, kept or fresh,kept");
    return 2;
}
var root = Path.Combine(Path.GetTempPath(), $"dd-server-bench-{Environment.ProcessId}");
Directory.CreateDirectory(root);
Console.WriteLine($"machine: {Environment.ProcessorCount} CPUs; load {File.ReadAllText("/proc/loadavg").Trim()}");

try
{
    if (only.Contains("throughput"))
    {
        await RunThroughputAsync();
    }

    if (only.Contains("rpc"))
    {
        await RunRpcFloorAsync();
    }

    if (only.Contains("resume"))
    {
        await RunResumeAsync();
    }

    if (only.Contains("memory"))
    {
        await RunMemoryAsync();
    }
}
finally
{
    Directory.Delete(root, recursive: true);
}

return 0;

async Task RunThroughputAsync()
{
    var results = levels.ToDictionary(n => n, _ => new List<(double Rate, double P50, double P99, double ServerCpu, double SdkCpu)>());
    for (var r = 0; r < repeats; r++)
    {
        foreach (var n in levels)
        {
            using var server = await ServerProcess.StartAsync(Path.Combine(root, $"tp-{r}-{n}.db"));
            var client = await TemporalClient.ConnectAsync(new(server.Target));
            var queue = $"bench-{n}";
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
            {
                MaxConcurrentWorkflowTasks = 200,
                MaxConcurrentActivities = 200,
                DisableEagerActivityExecution = noEager,
            }.AddWorkflow<ThreeStepWorkflow>().AddAllActivities(typeof(StepActivities), null));
            using var stop = new CancellationTokenSource();
            var run = worker.ExecuteAsync(stop.Token);
            // Warm-up: JIT and connections.
            StepActivities.Recording = false;
            await ClosedLoopAsync(client, queue, Math.Max(n, 10), warmup);
            StepActivities.Gaps.Clear();
            StepActivities.Recording = true;
            var serverCpu0 = server.CpuTime();
            var sdkCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var completed = await ClosedLoopAsync(client, queue, n, duration);
            var wall = sw.Elapsed;
            var serverCpu = (server.CpuTime() - serverCpu0).TotalMilliseconds / completed;
            var sdkCpu = (Process.GetCurrentProcess().TotalProcessorTime - sdkCpu0).TotalMilliseconds / completed;
            StepActivities.Recording = false;
            var gaps = StepActivities.Gaps.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
            var p50 = Percentile(gaps, 50);
            var p99 = Percentile(gaps, 99);
            results[n].Add((completed / wall.TotalSeconds, p50, p99, serverCpu, sdkCpu));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {r + 1} N={n}: {completed / wall.TotalSeconds:F0} wf/s ({completed} in {wall.TotalSeconds:F1} s), step p50 {p50:F2} ms p99 {p99:F2} ms, CPU/wf server {serverCpu:F2} ms, SDK process {sdkCpu:F2} ms; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    Console.WriteLine("throughput (median of rounds):");
    foreach (var n in levels)
    {
        var list = results[n];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  N={n}: {Median(list.Select(x => x.Rate)):F0} wf/s (min {list.Min(x => x.Rate):F0}, max {list.Max(x => x.Rate):F0}); step p50 {Median(list.Select(x => x.P50)):F2} ms, p99 {Median(list.Select(x => x.P99)):F2} ms; CPU/wf server {Median(list.Select(x => x.ServerCpu)):F2} ms, SDK {Median(list.Select(x => x.SdkCpu)):F2} ms"));
    }
}

async Task<int> ClosedLoopAsync(TemporalClient client, string queue, int n, TimeSpan length)
{
    var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
    var completed = 0;
    async Task Loop()
    {
        while (Stopwatch.GetTimestamp() < end)
        {
            var handle = await client.StartWorkflowAsync((ThreeStepWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{Guid.NewGuid():N}", taskQueue: queue) { RequestEagerStart = eagerStart });
            await handle.GetResultAsync();
            Interlocked.Increment(ref completed);
        }
    }

    await Task.WhenAll(Enumerable.Range(0, n).Select(_ => Task.Run(Loop)));
    return completed;
}

// The floor under figure (3): the server's CPU per call of the cheapest RPC (GetSystemInfo: no state, no commit) and of
// a read of one run's state (DescribeWorkflowExecution), N calls in flight on the SDK's connection. A 3-activity
// workflow costs the server about 13 calls, most of them with a commit.
async Task RunRpcFloorAsync()
{
    using var server = await ServerProcess.StartAsync(Path.Combine(root, "rpc.db"));
    var client = await TemporalClient.ConnectAsync(new(server.Target));
    var handle = await client.StartWorkflowAsync((IdleWorkflow wf) => wf.RunAsync(0), new(id: "rpc-describe", taskQueue: "rpc-none"));
    foreach (var (name, call) in new (string, Func<Task>)[]
    {
        ("GetSystemInfo", () => client.WorkflowService.GetSystemInfoAsync(new())),
        ("DescribeWorkflowExecution", () => DescribeRawAsync(client, handle.Id)),
    })
    {
        foreach (var n in levels)
        {
            await CallLoopAsync(call, n, warmup);
            var serverCpu0 = server.CpuTime();
            var sdkCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var calls = await CallLoopAsync(call, n, duration);
            var wall = sw.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  rpc {name} N={n}: {calls / wall.TotalSeconds:F0} calls/s, CPU/call server "
                + $"{(server.CpuTime() - serverCpu0).TotalMilliseconds * 1000 / calls:F0} us, SDK process "
                + $"{(Process.GetCurrentProcess().TotalProcessorTime - sdkCpu0).TotalMilliseconds * 1000 / calls:F0} us; "
                + $"load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        }
    }
}

static async Task<int> CallLoopAsync(Func<Task> call, int n, TimeSpan length)
{
    var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
    var calls = 0;
    async Task Loop()
    {
        while (Stopwatch.GetTimestamp() < end)
        {
            await call();
            Interlocked.Increment(ref calls);
        }
    }

    await Task.WhenAll(Enumerable.Range(0, n).Select(_ => Task.Run(Loop)));
    return calls;
}

async Task RunResumeAsync()
{
    foreach (var mode in resumeModes)
    {
        await RunResumeOnceAsync(mode == "fresh");
    }
}

// The server is SIGKILLed with every workflow waiting on a 20 s timer and restarted on the same file once the timers
// are due, so all of them need a workflow task, an activity and another workflow task at once. keptWorker = false: the
// worker is stopped before the kill and a new one starts with the restarted server (a machine that rebooted);
// keptWorker = true: the same worker rides out the outage, and its polls come back on the SDK's retry back-off
// (up to 10 s apart after a 20 s outage), which is the client's and bounds the figure from below.
async Task RunResumeOnceAsync(bool freshWorker)
{
    var db = Path.Combine(root, $"resume-{(freshWorker ? "fresh" : "kept")}.db");
    var server = await ServerProcess.StartAsync(db);
    var target = server.Target;
    var port = int.Parse(target.Split(':')[1], CultureInfo.InvariantCulture);
    TemporalWorker NewWorker(TemporalClient c) => new(c, new TemporalWorkerOptions("resume")
    {
        MaxConcurrentWorkflowTasks = 200,
        MaxConcurrentActivities = 200,
    }.AddWorkflow<IdleWorkflow>().AddAllActivities(typeof(StepActivities), null));
    var client = await TemporalClient.ConnectAsync(new(target));
    var worker = NewWorker(client);
    var stop = new CancellationTokenSource();
    var run = worker.ExecuteAsync(stop.Token);
    var handles = new List<WorkflowHandle<IdleWorkflow, int>>();
    var timer = 20;
    var sw = Stopwatch.StartNew();
    for (var i = 0; i < resumeCount; i += 100)
    {
        var batch = await Task.WhenAll(Enumerable.Range(i, Math.Min(100, resumeCount - i)).Select(k =>
            client.StartWorkflowAsync((IdleWorkflow wf) => wf.RunAsync(timer), new(id: $"resume-{k}", taskQueue: "resume"))));
        handles.AddRange(batch);
    }

    // Wait until every workflow waits on its timer (first activity done), then kill the server.
    while (true)
    {
        var waiting = await client.CountWorkflowsAsync("WorkflowType = 'IdleWorkflow' AND ExecutionStatus = 'Running'");
        var described = await DescribeRawAsync(client, "resume-" + (resumeCount - 1));
        if (waiting.Count == resumeCount && described.PendingActivities.Count == 0
            && described.PendingWorkflowTask is null)
        {
            break;
        }

        await Task.Delay(200);
    }

    var setUp = sw.Elapsed;
    if (freshWorker)
    {
        await StopWorkerAsync(stop, run);
        worker.Dispose();
    }

    server.Kill();
    Console.WriteLine($"  resume ({(freshWorker ? "worker restarted with the server" : "worker kept")}): "
        + $"{resumeCount} workflows waiting on timers after {setUp.TotalSeconds:F1} s; server SIGKILLed");
    // Let the timers fall due while the server is down, then restart it on the same file and port.
    var due = TimeSpan.FromSeconds(timer) - setUp + TimeSpan.FromSeconds(1);
    if (due > TimeSpan.Zero)
    {
        await Task.Delay(due);
    }

    var restart = Stopwatch.StartNew();
    using var restarted = await ServerProcess.StartAsync(db, port);
    var listening = restart.Elapsed;
    if (freshWorker)
    {
        client = await TemporalClient.ConnectAsync(new(target));
        worker = NewWorker(client);
        stop = new CancellationTokenSource();
        run = worker.ExecuteAsync(stop.Token);
        handles = handles.Select(h => client.GetWorkflowHandle<IdleWorkflow, int>(h.Id)).ToList();
    }

    var finished = new double[handles.Count];
    await Task.WhenAll(handles.Select(async (h, i) =>
    {
        await h.GetResultAsync();
        finished[i] = restart.Elapsed.TotalSeconds;
    }));
    var resume = restart.Elapsed;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"resume of {resumeCount} ({(freshWorker ? "worker restarted" : "worker kept")}): {resume.TotalSeconds:F2} s "
        + $"from restart to all completed (listening after {listening.TotalSeconds:F2} s)"));
    var slowest = handles[Array.IndexOf(finished, finished.Max())];
    Array.Sort(finished);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  completed after restart: first {finished[0]:F2} s, 10% {finished[finished.Length / 10]:F2} s, "
        + $"50% {finished[finished.Length / 2]:F2} s, 90% {finished[finished.Length * 9 / 10]:F2} s, last {finished[^1]:F2} s"));
    var timedOut = 0;
    var failed = 0;
    foreach (var h in handles.Take(100))
    {
        var history = await h.FetchHistoryAsync();
        var timeouts = history.Events.Count(e => e.EventType == Temporalio.Api.Enums.V1.EventType.WorkflowTaskTimedOut);
        if (timeouts > 0 && timedOut == 0)
        {
            Console.WriteLine("  first history with a workflow task timeout: " + string.Join(", ", history.Events.Select(e =>
                $"{e.EventId} {e.EventType} {e.EventTime.ToDateTime():HH:mm:ss.fff}"
                + (e.WorkflowTaskScheduledEventAttributes is { } ws ? $" q={ws.TaskQueue.Kind}/{ws.Attempt}" : ""))));
        }

        timedOut += timeouts;
        failed += history.Events.Count(e => e.EventType == Temporalio.Api.Enums.V1.EventType.WorkflowTaskFailed);
    }

    Console.WriteLine($"  in the first 100 histories: {timedOut} workflow tasks timed out, {failed} failed");
    Console.WriteLine($"  the last to complete ({slowest.Id}): " + string.Join(", ",
        (await slowest.FetchHistoryAsync()).Events.Select(e => $"{e.EventId} {e.EventType} {e.EventTime.ToDateTime():HH:mm:ss.fff}"
            + (e.WorkflowTaskScheduledEventAttributes is { } ws ? $" q={ws.TaskQueue.Kind}/{ws.Attempt}" : ""))));
    await StopWorkerAsync(stop, run);
    worker.Dispose();
    server.Dispose();
}

static async Task StopWorkerAsync(CancellationTokenSource stop, Task run)
{
    await stop.CancelAsync();
    try
    {
        await run;
    }
    catch (OperationCanceledException)
    {
    }
}

async Task RunMemoryAsync()
{
    using var server = await ServerProcess.StartAsync(Path.Combine(root, "memory.db"));
    var client = await TemporalClient.ConnectAsync(new(server.Target));
    using var worker = new TemporalWorker(client, new TemporalWorkerOptions("idle")
    {
        MaxConcurrentWorkflowTasks = 200,
        MaxConcurrentActivities = 200,
        MaxCachedWorkflows = 1000,
    }.AddWorkflow<IdleWorkflow>().AddAllActivities(typeof(StepActivities), null));
    using var stop = new CancellationTokenSource();
    var run = worker.ExecuteAsync(stop.Token);
    var before = server.ResidentMiB();
    for (var i = 0; i < idleCount; i += 200)
    {
        await Task.WhenAll(Enumerable.Range(i, Math.Min(200, idleCount - i)).Select(k =>
            client.StartWorkflowAsync((IdleWorkflow wf) => wf.RunAsync(0), new(id: $"idle-{k}", taskQueue: "idle"))));
    }

    while ((await client.CountWorkflowsAsync("ExecutionStatus = 'Running'")).Count < idleCount)
    {
        await Task.Delay(200);
    }

    while ((await DescribeRawAsync(client, $"idle-{idleCount - 1}")) is var d
        && (d.PendingWorkflowTask is not null || d.PendingActivities.Count > 0))
    {
        await Task.Delay(200);
    }

    await Task.Delay(2000);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"memory: server resident {server.ResidentMiB():F0} MiB with {idleCount} open idle workflows ({before:F0} MiB empty)"));
    await stop.CancelAsync();
    try
    {
        await run;
    }
    catch (OperationCanceledException)
    {
    }
}

static async Task<Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse> DescribeRawAsync(
    TemporalClient client, string workflowId) =>
    await client.WorkflowService.DescribeWorkflowExecutionAsync(new()
    {
        Namespace = client.Options.Namespace,
        Execution = new() { WorkflowId = workflowId },
    });

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

static double Median(IEnumerable<double> values) => Percentile([.. values.Order()], 50);
