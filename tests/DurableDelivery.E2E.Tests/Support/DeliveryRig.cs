using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Providers.Local;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>How a test's environment file differs from infra/environments/demo.yaml.</summary>
public sealed record RigOptions
{
    /// <summary>Gets the bake of the 10% step.</summary>
    public TimeSpan FirstBake { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets the bake of the 50% step.</summary>
    public TimeSpan SecondBake { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets the requests per second sent to the listener (0: no load).</summary>
    public int RequestsPerSecond { get; init; } = 100;

    /// <summary>Gets how often the idle environment checks its kept infra-sets (null: the file's default, 1 minute).</summary>
    public TimeSpan? HealthCheckInterval { get; init; }
}

/// <summary>
/// Everything one end-to-end test runs against, all real processes on loopback: a fresh data dir, the embedded
/// Temporal server process (<c>ddctl server start-dev</c>, on a port of its own), the local provider process
/// (<c>ddctl local up</c>), <c>ddctl worker run</c> processes (Temporalio workers), an environment file copied from
/// infra/environments/demo.yaml and made fast (short bakes, minDataPoints 2, a free listener port), steady HTTP load
/// on the listener and a monitor of the provider's weights. Disposing kills every process it started, also after a
/// failed assertion.
/// </summary>
/// <remarks>
/// Bakes of 2-3 s give the gate 3-4 per-second samples per side: enough for minDataPoints 2 and for the error-rate
/// ceiling to catch sample-v3, and too few for the latency metric ever to be significant (with 4 samples per side the
/// smallest two-sided p is 0.03 &gt; 0.02), so good versions pass their gates deterministically on a busy machine.
/// </remarks>
public sealed class DeliveryRig : IAsyncDisposable
{
    public const string Env = "demo";

    /// <summary>How long a status poll waits for the worker to answer (on a loaded machine a query can take seconds).</summary>
    private static readonly WorkflowQueryOptions Query = new() { Rpc = new RpcOptions { Timeout = TimeSpan.FromSeconds(5) } };

    private readonly TempDataDir dir = new();
    private readonly List<WorkerRun> workers = [];
    private readonly int serverPort = Repo.FreeLoopbackPort();
    private TemporalClient? client;

    private DeliveryRig()
    {
        Provider = new LocalInfraProvider(dir.Path, TimeSpan.FromSeconds(5));
        ListenerPort = Repo.FreeLoopbackPort();
        EnvironmentFile = Path.Combine(dir.Root, "demo.yaml");
        dir.UseServerAt($"127.0.0.1:{serverPort}");
    }

    /// <summary>Gets the server process (the one started last).</summary>
    public ServerRun Server { get; private set; } = null!;

    public string DataDir => dir.Path;

    public string Root => dir.Root;

    public int ListenerPort { get; }

    public string EnvironmentFile { get; }

    /// <summary>Gets the provider's client (weights, infra-sets), the same one the worker uses.</summary>
    public LocalInfraProvider Provider { get; }

    public WeightMonitor Monitor { get; private set; } = null!;

    public ListenerLoad? Load { get; private set; }

    /// <summary>Gets the worker started last.</summary>
    public WorkerRun Worker => workers[^1];

    /// <summary>Gets a Temporal client of the server, for fast status polls (the CLI is used for everything a person would do).</summary>
    public TemporalClient Client => client ?? throw new InvalidOperationException("the rig has not started");

    /// <summary>Starts the provider, one worker, the weight monitor and the load.</summary>
    public static async Task<DeliveryRig> StartAsync(RigOptions? options = null)
    {
        options ??= new RigOptions();
        var rig = new DeliveryRig();
        try
        {
            await rig.WriteEnvironmentFileAsync(options);
            await rig.StartServerAsync();
            rig.client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(rig.Server.Address) { DataConverter = DeliveryDataConverter.Instance });
            rig.Monitor = new WeightMonitor(rig.Provider, Env);
            await Task.WhenAll(rig.StartProviderAsync(), rig.StartWorkerAsync()); // both finish (or fail) before the catch disposes
            if (options.RequestsPerSecond > 0)
            {
                rig.Load = new ListenerLoad(rig.ListenerPort, options.RequestsPerSecond);
            }
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }

        return rig;
    }

    public static string VersionSet(string name) => Repo.File("infra", "version-sets", name + ".yaml");

    /// <summary>Writes a version set whose app component is <paramref name="artifact"/> (e.g. sample-never-healthy).</summary>
    public string WriteVersionSet(string name, string artifact, string version)
    {
        var path = Path.Combine(Root, name + ".yaml");
        File.WriteAllText(path, $"stack: sample\ncomponents:\n  - name: app\n    version: {version}\n    artifact: {artifact}\n  - name: schema\n    version: 7.2.0\n    artifact: schema-7.2\n");
        return path;
    }

    // ---- processes ----

    /// <summary>Starts the server process, or restarts it on the same port and database after it was killed.</summary>
    public async Task<ServerRun> StartServerAsync()
    {
        Server = await ServerRun.StartAsync(serverPort, Path.Combine(Root, "temporal.db"));
        return Server;
    }

    public async Task<WorkerRun> StartWorkerAsync(string? crashPoint = null)
    {
        var worker = await WorkerRun.StartAsync(DataDir, crashPoint);
        workers.Add(worker);
        return worker;
    }

    /// <summary>Starts the provider process, or restarts it on the same data dir after it was killed (it re-adopts the instances that still run).</summary>
    public Task StartProviderAsync() => LocalProviderProcess.StartAsync(new LocalProviderOptions
    {
        DataDirectory = DataDir,
        ArtifactsDirectory = Repo.File("infra", "local", "artifacts"),
        HealthCheckInterval = TimeSpan.FromMilliseconds(100),
    });

    /// <summary>SIGKILLs the provider process (its instances keep running, to be re-adopted) and waits until it is gone.</summary>
    public async Task KillProviderAsync()
    {
        var pid = LocalProviderProcess.FindProcessId(DataDir) ?? throw new InvalidOperationException("no provider runs");
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    // ---- ddctl ----

    /// <summary>Runs ddctl with this rig's data dir.</summary>
    public Task<CliResult> CliAsync(params string[] args) => Ddctl.RunAsync([.. args, "--data-dir", DataDir]);

    /// <summary><c>ddctl deliver demo --version-set ... -o json</c>; returns the delivery id.</summary>
    public async Task<string> DeliverAsync(string versionSetFile)
    {
        var result = await CliAsync("deliver", Env, "--version-set", versionSetFile, "--environment-file", EnvironmentFile, "--reason", "e2e", "--as", "tester", "-o", "json");
        return result.OkJson()["deliveryId"]!.GetValue<string>();
    }

    /// <summary><c>ddctl deliver ... --watch -o json</c>: blocks until the delivery ends.</summary>
    public Task<CliResult> DeliverAndWatchAsync(string versionSetFile) =>
        CliAsync("deliver", Env, "--version-set", versionSetFile, "--environment-file", EnvironmentFile, "--reason", "e2e", "--as", "tester", "--watch", "-o", "json");

    /// <summary>
    /// Delivers and waits until the delivery ended and the environment took it back (no active delivery). For a test's
    /// set-up (a version to roll back to, a stable one to compare with), so a gate that pauses the delivery as
    /// inconclusive is resumed, as its pause message asks a person to, at most <see cref="MaxInconclusiveResumes"/> times:
    /// the 2 s bakes give the gate 3-4 per-second samples per side, and a machine loaded by parallel test runs can leave
    /// fewer (minDataPoints 2). Each resume is counted in <see cref="InconclusiveResumes"/> and named in a failure.
    /// </summary>
    public async Task<DeliveryStatus> DeliverAndSettleAsync(string versionSetFile, DeliveryOutcome expected)
    {
        var id = await DeliverAsync(versionSetFile);
        var resumed = 0;
        await Eventually.UntilAsync(
            async () =>
            {
                var env = await TryEnvironmentStatusAsync();
                if (env?.ActiveDelivery?.DeliveryId == id && await TryDeliveryStatusAsync(id) is { Paused: true, PausedReason: { } why } && why.StartsWith("gate inconclusive", StringComparison.Ordinal))
                {
                    resumed++;
                    resumed.ShouldBeLessThanOrEqualTo(MaxInconclusiveResumes, $"{id} paused as inconclusive again: {why}");
                    // The command returns once the delivery accepted the resume: the next poll sees it baking again.
                    (await CliAsync("delivery", "resume", id, "--reason", "e2e set-up: inconclusive gate on a loaded machine", "--as", "rig")).ExitCode.ShouldBe(0);
                    InconclusiveResumes.Add($"{id}: {why}");
                }

                return env;
            },
            e => e is not null && e.ActiveDelivery is null && e.Deliveries.Any(d => d.DeliveryId == id && d.State == DeliveryState.Ended),
            TimeSpan.FromSeconds(90 * (MaxInconclusiveResumes + 1)),
            $"env/{Env} settles {id}");
        var status = await WaitDeliveryAsync(id, s => s.Outcome is not null, "answers with its outcome");
        status.Outcome.ShouldBe(expected, $"{id}: {status.OutcomeReason}: {status.OutcomeMessage}; resumed after inconclusive gates: [{string.Join("; ", InconclusiveResumes)}]");
        return status;
    }

    /// <summary>How many inconclusive pauses <see cref="DeliverAndSettleAsync"/> resumes per delivery before it fails the test.</summary>
    public const int MaxInconclusiveResumes = 3;

    /// <summary>Gets the inconclusive pauses <see cref="DeliverAndSettleAsync"/> resumed: delivery id and pause reason.</summary>
    public List<string> InconclusiveResumes { get; } = [];

    public async Task<JsonNode> EnvStatusJsonAsync() => (await CliAsync("env", "status", Env, "-o", "json")).OkJson();

    public async Task<JsonNode> DeliveryStatusJsonAsync(string deliveryId) => (await CliAsync("delivery", "status", deliveryId, "-o", "json")).OkJson();

    // ---- polling through the Temporal client ----

    /// <summary>The delivery's status query, or null while it has not started or no worker answers.</summary>
    public async Task<DeliveryStatus?> TryDeliveryStatusAsync(string deliveryId)
    {
        try
        {
            return await Client.GetWorkflowHandle(deliveryId).QueryAsync<DeliveryStatus>("status", [], Query);
        }
        catch (Exception e) when (e is RpcException or WorkflowQueryFailedException or OperationCanceledException)
        {
            return null;
        }
    }

    public async Task<EnvironmentStatus?> TryEnvironmentStatusAsync()
    {
        try
        {
            return await Client.GetWorkflowHandle($"env/{Env}").QueryAsync<EnvironmentStatus>("status", [], Query);
        }
        catch (Exception e) when (e is RpcException or WorkflowQueryFailedException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The delivery's status query, polled until the worker answers.</summary>
    public Task<DeliveryStatus> DeliveryStatusAsync(string deliveryId) => WaitDeliveryAsync(deliveryId, _ => true, "answers its status query");

    /// <summary>The environment's status query, polled until the worker answers.</summary>
    public async Task<EnvironmentStatus> EnvironmentStatusAsync() =>
        (await Eventually.UntilAsync(TryEnvironmentStatusAsync, e => e is not null, TimeSpan.FromSeconds(60), $"env/{Env} answers its status query"))!;

    public async Task<DeliveryStatus> WaitDeliveryAsync(string deliveryId, Func<DeliveryStatus, bool> done, string what, TimeSpan? deadline = null) =>
        (await Eventually.UntilAsync(
            () => TryDeliveryStatusAsync(deliveryId),
            s => s is not null && done(s),
            deadline ?? TimeSpan.FromSeconds(60),
            $"{deliveryId} {what}"))!;

    /// <summary>
    /// Waits until the delivery is at <paramref name="phase"/> (and step, when given), not paused; for
    /// <see cref="DeliveryPhase.Baking"/>, until the bake clock runs (its end is known), not merely the phase set.
    /// </summary>
    public Task<DeliveryStatus> WaitPhaseAsync(string deliveryId, DeliveryPhase phase, int? step = null) =>
        WaitDeliveryAsync(
            deliveryId,
            s => s.Outcome is null && s.Phase == phase && (step is null || s.StepIndex == step) && (phase != DeliveryPhase.Baking || s.BakeEndsAt is not null),
            $"reaches {phase}{(step is { } i ? $" at step {i + 1}" : string.Empty)}");

    /// <summary>Waits until the delivery ended and its environment has taken it back: the delivery is Ended there and no delivery is active.</summary>
    public async Task<DeliveryStatus> WaitSettledAsync(string deliveryId, TimeSpan? deadline = null)
    {
        await Eventually.UntilAsync(
            TryEnvironmentStatusAsync,
            e => e is not null && e.ActiveDelivery is null && e.Deliveries.Any(d => d.DeliveryId == deliveryId && d.State == DeliveryState.Ended),
            deadline ?? TimeSpan.FromSeconds(90),
            $"env/{Env} settles {deliveryId}");
        return await WaitDeliveryAsync(deliveryId, s => s.Outcome is not null, "answers with its outcome");
    }

    /// <summary>The server's full description of a workflow (pending activities and all), as <c>temporal workflow describe --raw</c> shows it.</summary>
    public async Task<Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionResponse> DescribeRawAsync(string workflowId) =>
        await Client.WorkflowService.DescribeWorkflowExecutionAsync(new Temporalio.Api.WorkflowService.V1.DescribeWorkflowExecutionRequest
        {
            Namespace = Client.Options.Namespace,
            Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = workflowId },
        });

    /// <summary>The activities whose completion the workflow's history records, in order (read from the server; no worker needed).</summary>
    public async Task<IReadOnlyList<string>> CompletedActivitiesAsync(string workflowId)
    {
        var events = (await Client.GetWorkflowHandle(workflowId).FetchHistoryAsync()).Events;
        var scheduled = events.Where(e => e.EventType == EventType.ActivityTaskScheduled)
            .ToDictionary(e => e.EventId, e => e.ActivityTaskScheduledEventAttributes.ActivityType.Name);
        return [.. events.Where(e => e.EventType == EventType.ActivityTaskCompleted).Select(e => scheduled[e.ActivityTaskCompletedEventAttributes.ScheduledEventId])];
    }

    // ---- the provider's records ----

    /// <summary>The idempotency keys of every provider call of one kind (e.g. set-weights) a workflow made, from the provider's state file.</summary>
    public IReadOnlyList<string> ProviderKeys(string operation, string workflowId) =>
        [.. ProviderState()["keys"]!.AsObject()
            .Where(k => k.Value!["operation"]!.GetValue<string>() == operation && k.Key.StartsWith(workflowId + "/", StringComparison.Ordinal))
            .Select(k => k.Key)];

    /// <summary>
    /// Every infra-set the provider ever created for the environment (deleted ones included), from its state file, with
    /// the idempotency key that created it: the proof that each delivery created exactly one.
    /// </summary>
    public IReadOnlyList<(string Id, bool Deleted, string CreatedBy)> CreatedInfraSets()
    {
        var state = ProviderState();
        var keys = state["keys"]!.AsObject()
            .Where(k => k.Value!["operation"]!.GetValue<string>() == "create-infra-set")
            .ToDictionary(k => k.Value!["resultId"]!.GetValue<string>(), k => k.Key);
        return [.. state["infraSets"]!.AsArray()
            .Where(s => s!["spec"]!["environment"]!.GetValue<string>() == Env)
            .Select(s => (s!["id"]!.GetValue<string>(), s["deleted"]!.GetValue<bool>(), keys.GetValueOrDefault(s["id"]!.GetValue<string>(), "(no key)")))];
    }

    /// <summary>Asserts that each delivery created exactly one infra-set, and returns them in delivery order.</summary>
    public IReadOnlyList<string> ShouldHaveOneInfraSetPerDelivery(params string[] deliveryIds)
    {
        var created = CreatedInfraSets();
        var described = string.Join(", ", created.Select(c => $"{c.Id} by {c.CreatedBy}"));
        created.Count.ShouldBe(deliveryIds.Length, $"one infra-set per delivery; created: {described}");
        return [.. deliveryIds.Select(d =>
        {
            var mine = created.Where(c => c.CreatedBy.StartsWith(d + "/", StringComparison.Ordinal)).ToList();
            mine.Count.ShouldBe(1, $"{d} created exactly one infra-set; created: {described}");
            return mine[0].Id;
        })];
    }

    /// <summary>
    /// Every weight table the provider applied for the environment, in order, from the results it keeps per idempotency
    /// key (a complete record; the monitor only samples). A table applied again under a new revision counts once.
    /// </summary>
    public IReadOnlyList<string> AppliedTables()
    {
        var applied = ProviderState()["keys"]!.AsObject()
            .Where(k => k.Value!["operation"]!.GetValue<string>() == "set-weights")
            .Select(k => JsonNode.Parse(k.Value!["resultJson"]!.GetValue<string>())!)
            .Where(r => r["environment"]!.GetValue<string>() == Env)
            .OrderBy(r => r["revision"]!.GetValue<long>())
            .Select(r => WeightTable.Format(r["weights"]!));
        var distinct = new List<string>();
        foreach (var table in applied)
        {
            if (distinct.Count == 0 || distinct[^1] != table)
            {
                distinct.Add(table);
            }
        }

        return distinct;
    }

    /// <summary>
    /// Asserts the tables the provider applied, in order, and that the weight monitor (which polls GetWeights) saw
    /// nothing else, in the same order.
    /// </summary>
    public void ShouldHaveAppliedTables(params string[] expected)
    {
        var applied = AppliedTables();
        applied.ShouldBe(expected, "the provider applied exactly these weight tables, in this order");
        var seen = Monitor.DistinctTables();
        var next = 0;
        foreach (var table in seen)
        {
            while (next < applied.Count && applied[next] != table)
            {
                next++;
            }

            next.ShouldBeLessThan(applied.Count, $"the monitor saw {table} out of order or not applied; seen: {string.Join(" | ", seen)}");
        }
    }

    private JsonNode ProviderState() => JsonNode.Parse(File.ReadAllText(Path.Combine(DataDir, "local-provider", "state.json")))!;

    // ---- invariants (issue 4, item 7) ----

    /// <summary>
    /// The environment's invariants, read from the running delivery workflows and <c>ddctl env status -o json</c>:
    /// no violations; whenever traffic flows the last known good exists and is warm, and the rollback target (if any)
    /// is warm; at most one delivery runs, and it is the environment's active one; between deliveries the provider
    /// applies exactly the weights the environment holds. Also: the weight monitor saw only valid tables so far.
    /// </summary>
    public async Task ShouldKeepInvariantsAsync()
    {
        var running = new List<string>();
        await foreach (var run in Client.ListWorkflowsAsync($"ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH 'delivery/{Env}/'"))
        {
            running.Add(run.Id);
        }

        var env = await EnvStatusJsonAsync();
        var described = env.ToJsonString();
        env["violations"]!.AsArray().ShouldBeEmpty($"env status reports violations: {described}");
        running.Count.ShouldBeLessThanOrEqualTo(1, $"at most one delivery runs: {string.Join(", ", running)}");
        var active = env["activeDelivery"]?["deliveryId"]?.GetValue<string>();
        if (running.Count == 1 && active != running[0])
        {
            // Listed first, so it may have ended since; then the environment has taken it back already, and may even
            // have started the next waiting delivery (seen in CI: delivery 2 ended and 4 started between the two reads).
            env["deliveries"]!.AsArray().ShouldContain(d => d!["deliveryId"]!.GetValue<string>() == running[0] && d["state"]!.GetValue<string>() == "Ended", described);
            if (active is not null)
            {
                env["deliveries"]!.AsArray().ShouldContain(d => d!["deliveryId"]!.GetValue<string>() == active && d["state"]!.GetValue<string>() == "Running", $"the active delivery {active} is the one running now: {described}");
            }
        }

        var weights = env["weights"]!["weights"]!.AsObject().ToDictionary(w => w.Key, w => w.Value!.GetValue<int>());
        var sets = env["infraSets"]!.AsArray().ToDictionary(s => s!["id"]!.GetValue<string>(), s => s!);
        if (weights.Values.Sum() > 0)
        {
            var lkg = env["lastKnownGood"]?.GetValue<string>();
            lkg.ShouldNotBeNull($"traffic flows, so there is a last known good: {described}");
            sets[lkg]["isWarm"]!.GetValue<bool>().ShouldBeTrue($"the last known good {lkg} is warm: {described}");
            foreach (var (id, weight) in weights.Where(w => w.Value > 0))
            {
                sets[id]["status"]!.GetValue<string>().ShouldBe("Healthy", $"{id} takes traffic ({weight})");
            }
        }

        if (env["rollbackTarget"]?.GetValue<string>() is { } target)
        {
            sets[target]["isWarm"]!.GetValue<bool>().ShouldBeTrue($"rollback target {target} is warm: {described}");
            (await Provider.DescribeInfraSetAsync(target))!.Status.ShouldBe(Providers.InfraSetStatus.Healthy, $"the provider runs rollback target {target}");
        }

        if (active is null && running.Count == 0)
        {
            var applied = await Provider.GetWeightsAsync(Env);
            WeightTable.Format(applied.Weights).ShouldBe(WeightTable.Format(weights), "between deliveries the listener applies the environment's weights");
        }

        Monitor.ShouldHaveSeenOnlyValidTables();
    }

    /// <summary>Checks the invariants again and again (each check takes a ddctl run) until <paramref name="done"/> holds; returns how many checks ran.</summary>
    public async Task<int> KeepCheckingInvariantsUntilAsync(Func<Task<bool>> done, string what, TimeSpan? deadline = null)
    {
        var checks = 0;
        await Eventually.EventuallyAsync(
            async () =>
            {
                await ShouldKeepInvariantsAsync();
                checks++;
                return await done();
            },
            deadline ?? TimeSpan.FromSeconds(120),
            what);
        return checks;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in workers)
        {
            await worker.DisposeAsync();
        }

        if (Load is not null)
        {
            await Load.DisposeAsync();
        }

        if (Monitor is not null)
        {
            await Monitor.DisposeAsync();
        }

        await StopProviderAsync();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Provider.Dispose();
        dir.Dispose();
    }

    /// <summary>
    /// A clean stop, which stops every instance too. A provider a test killed and did not restart is started first: it
    /// re-adopts the instances that still run, so that the stop gets them as well.
    /// </summary>
    private async Task StopProviderAsync()
    {
        if (LocalProviderProcess.FindProcessId(DataDir) is null)
        {
            if (!File.Exists(Path.Combine(DataDir, "local-provider", "state.json")))
            {
                return;
            }

            await StartProviderAsync();
        }

        await LocalProviderProcess.StopAsync(DataDir, TimeSpan.FromSeconds(10));
    }

    private async Task WriteEnvironmentFileAsync(RigOptions options)
    {
        var text = await File.ReadAllTextAsync(Repo.File("infra", "environments", "demo.yaml"));
        var bakes = new Queue<TimeSpan>([options.FirstBake, options.SecondBake]);
        text = Replace(text, @"port: 18080\b", $"port: {ListenerPort}");
        text = Regex.Replace(text, @"bake: 15s", _ => $"bake: {DurationText.Format(bakes.Dequeue())}");
        text = Replace(text, @"minDataPoints: 10\b", "minDataPoints: 2");
        if (options.HealthCheckInterval is { } interval)
        {
            text += $"\nhealthCheckInterval: {DurationText.Format(interval)}\n";
        }

        await File.WriteAllTextAsync(EnvironmentFile, text);

        // The edits took: the file parses and says what the tests assume.
        var declaration = EnvironmentDeclaration.Parse(text, EnvironmentFile).GetValueOrThrow();
        declaration.Listener.Port.ShouldBe(ListenerPort);
        declaration.Gates.MinDataPoints.ShouldBe(2);
        declaration.Rollout.Steps.Select(s => s.Weight).ShouldBe([10, 50, 100]);
        declaration.Rollout.Steps[0].Bake.ShouldBe(options.FirstBake);
        declaration.Rollout.Steps[1].Bake.ShouldBe(options.SecondBake);
        declaration.Rollout.Steps[2].Bake.ShouldBe(TimeSpan.Zero);
        declaration.WarmRetention.ShouldBe(2);
    }

    private static string Replace(string text, string pattern, string replacement)
    {
        Regex.IsMatch(text, pattern).ShouldBeTrue($"infra/environments/demo.yaml no longer has '{pattern}'; update the E2E rig");
        return Regex.Replace(text, pattern, replacement);
    }
}
