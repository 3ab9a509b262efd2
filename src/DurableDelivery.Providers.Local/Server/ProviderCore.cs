using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// The provider's brain: validates every request, applies it to the persisted state (saved before the change takes
/// effect), and drives listeners and instance supervisors. Mutations are serialized by one lock; a rejected request
/// throws before anything is saved or applied, so it changes nothing.
/// </summary>
internal sealed partial class ProviderCore : IAsyncDisposable
{
    private const int MaxInstances = 16;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly StateStore store;
    private readonly Dictionary<string, InfraSetRuntime> runtimes = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ListenerHost> listeners = new(StringComparer.Ordinal);
    private readonly HttpMessageInvoker upstream;
    private readonly HttpClient healthClient;
    private readonly ProviderContext context;
    private ProviderState state = new();

    public ProviderCore(LocalProviderPaths paths, LocalProviderOptions options, ArtifactResolver artifacts, TimeProvider time, Action<string> log)
    {
        Paths = paths;
        Options = options;
        Artifacts = artifacts;
        Time = time;
        Log = log;
        store = new StateStore(paths.StateFile);
        Recorder = new TrafficRecorder(options.MetricsRetentionSeconds);
        upstream = ListenerHost.CreateUpstreamInvoker();
        healthClient = new HttpClient(CreateHandler(maxConnections: 4));
        context = new ProviderContext
        {
            Paths = paths,
            Options = options,
            HealthClient = healthClient,
            Time = time,
            Log = log,
            MutateAsync = MutateAsync,
        };
    }

    public LocalProviderPaths Paths { get; }

    public LocalProviderOptions Options { get; }

    public ArtifactResolver Artifacts { get; }

    public TimeProvider Time { get; }

    public Action<string> Log { get; }

    public TrafficRecorder Recorder { get; }

    /// <summary>
    /// Loads the state, re-adopts or restarts every live infra-set's instances (killing this provider's processes the state
    /// does not know) and reopens every listener with its weights.
    /// </summary>
    public async Task RestoreAsync()
    {
        await gate.WaitAsync();
        try
        {
            state = store.Load();
            var running = await FindInstanceProcessesAsync();
            foreach (var record in state.InfraSets.Where(set => !set.Deleted))
            {
                StartRuntime(record, tryAdopt: true, running);
            }

            foreach (var record in state.Listeners)
            {
                var host = NewListener(record.Environment, record.Port, ToWeights(record));
                try
                {
                    await host.StartAsync();
                    listeners[record.Environment] = host;
                    Log($"listener {record.Environment}: restored on port {record.Port} with weights {Describe(record.Weights)} (revision {record.Revision})");
                }
                catch (IOException ex)
                {
                    Log($"listener {record.Environment}: cannot listen on port {record.Port} ({ex.Message}); free the port and restart the provider");
                }
            }

            store.Save(state);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<ListenerInfo> EnsureListenerAsync(ListenerSpec spec, string key)
    {
        ValidateEnvironment(spec.Environment);
        if (spec.Port is < 0 or > 65535)
        {
            throw Reject(InfraProviderErrorReason.InvalidSpec, $"Port {spec.Port} is outside 0-65535. Use a port between 1024 and 65535, or 0 to pick a free one.");
        }

        await gate.WaitAsync();
        try
        {
            if (CheckKey(key, "ensure-listener", ProviderJson.Canonical(spec)) is { } replay)
            {
                return ListenerInfoOf(replay.ResultId!);
            }

            var existing = state.Listeners.Find(l => l.Environment == spec.Environment);
            if (existing is not null)
            {
                if (spec.Port != 0 && spec.Port != existing.Port)
                {
                    throw Reject(
                        InfraProviderErrorReason.ListenerConflict,
                        $"Environment '{spec.Environment}' already has a listener on port {existing.Port}, not {spec.Port}. Keep port {existing.Port} (or 0), or use another environment.");
                }
            }
            else
            {
                var port = spec.Port == 0 ? FreePort() : spec.Port;
                if (spec.Port != 0)
                {
                    EnsurePortAvailable(port);
                }

                var host = NewListener(spec.Environment, port, new ListenerWeights { Environment = spec.Environment });
                try
                {
                    await host.StartAsync();
                }
                catch (IOException)
                {
                    throw Reject(InfraProviderErrorReason.PortInUse, PortTakenByProcess(port));
                }

                listeners[spec.Environment] = host;
                lock (runtimes)
                {
                    state.Listeners.Add(new ListenerRecord { Environment = spec.Environment, Port = port });
                }

                Log($"listener {spec.Environment}: listening on port {port}");
            }

            state.Keys[key] = new IdempotencyRecord { Operation = "ensure-listener", Request = ProviderJson.Canonical(spec), ResultId = spec.Environment };
            store.Save(state);
            return ListenerInfoOf(spec.Environment);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<InfraSetInfo> CreateInfraSetAsync(InfraSetSpec spec, string key)
    {
        await gate.WaitAsync();
        try
        {
            var request = ProviderJson.Canonical(spec);
            if (CheckKey(key, "create-infra-set", request) is { } replay)
            {
                return runtimes.TryGetValue(replay.ResultId!, out var live) ? live.ToInfo() : DescribeRecord(replay.ResultId!)!;
            }

            ValidateEnvironment(spec.Environment);
            if (spec.InstanceCount is < 1 or > MaxInstances)
            {
                throw Reject(InfraProviderErrorReason.InvalidSpec, $"Instance count {spec.InstanceCount} is outside 1-{MaxInstances}. Ask for 1 to {MaxInstances} instances.");
            }

            if (spec.HealthCheckPath is { } path && !path.StartsWith('/'))
            {
                throw Reject(InfraProviderErrorReason.InvalidSpec, $"Health check path '{path}' must start with '/'. Use e.g. '/healthz'.");
            }

            var artifact = Artifacts.Resolve(spec.ArtifactId);
            var sequence = state.NextSequence++;
            var id = string.Create(CultureInfo.InvariantCulture, $"{spec.Environment}-{spec.ArtifactId}-{sequence:D4}");
            var record = new InfraSetRecord { Id = id, Spec = spec, Artifact = artifact, CreatedAt = Time.GetUtcNow() };
            for (var i = 0; i < spec.InstanceCount; i++)
            {
                record.Instances.Add(new InstanceRecord { Id = string.Create(CultureInfo.InvariantCulture, $"{id}-i{i}"), Port = FreePort() });
            }

            InfraSetRuntime runtime;
            lock (runtimes)
            {
                // Readers (Describe, List, Status) enumerate without the async gate; they take this lock and expect a
                // runtime for every record, so both are added at once (its instances start once the state is saved).
                state.InfraSets.Add(record);
                runtime = AddRuntime(record);
            }

            state.Keys[key] = new IdempotencyRecord { Operation = "create-infra-set", Request = request, ResultId = id };
            store.Save(state);
            Log($"infra-set {id}: created from artifact {artifact.Id} ({artifact.Version}), {spec.InstanceCount} instance(s)");
            runtime.StartInstances(tryAdopt: false);
            return runtime.ToInfo();
        }
        finally
        {
            gate.Release();
        }
    }

    public InfraSetInfo? Describe(string id)
    {
        lock (runtimes)
        {
            return runtimes.TryGetValue(id, out var runtime) ? runtime.ToInfo() : DescribeRecord(id);
        }
    }

    public IReadOnlyList<InfraSetInfo> List(string? environment)
    {
        lock (runtimes)
        {
            return state.InfraSets
                .Where(set => !set.Deleted && (environment is null || set.Spec.Environment == environment))
                .Select(set => runtimes[set.Id].ToInfo())
                .ToList();
        }
    }

    public async Task<ListenerWeights> SetWeightsAsync(string environment, IReadOnlyDictionary<string, int> weights, string key)
    {
        await gate.WaitAsync();
        try
        {
            var request = ProviderJson.Canonical(new JsonObject { ["environment"] = environment, ["weights"] = new JsonObject(weights.Select(w => KeyValuePair.Create(w.Key, (JsonNode?)w.Value))) });
            if (CheckKey(key, "set-weights", request) is { } replay)
            {
                return JsonSerializer.Deserialize(replay.ResultJson!, ProviderJson.Info<ListenerWeights>())!;
            }

            var listener = RequireListener(environment);
            ValidateWeights(environment, weights);
            var applied = new ListenerWeights
            {
                Environment = environment,
                Weights = weights.ToDictionary(StringComparer.Ordinal),
                Revision = listener.Revision + 1,
                AppliedAt = Time.GetUtcNow(),
            };

            // Swap first, then persist, then acknowledge: new requests follow the new weights without waiting for the
            // fsync, and the caller still only hears "applied" once the change is durable. If saving fails, the old
            // table comes back and the call fails (retryable with the same key). A crash between swap and save loses
            // an unacknowledged change only; the restarted provider serves the last acknowledged weights.
            listeners.TryGetValue(environment, out var host);
            var previous = host?.Table;
            host?.Apply(NewTable(applied));
            var (oldWeights, oldRevision, oldAppliedAt) = (listener.Weights, listener.Revision, listener.AppliedAt);
            listener.Weights = applied.Weights.ToDictionary(StringComparer.Ordinal);
            listener.Revision = applied.Revision;
            listener.AppliedAt = applied.AppliedAt;
            state.Keys[key] = new IdempotencyRecord
            {
                Operation = "set-weights",
                Request = request,
                ResultId = environment,
                ResultJson = JsonSerializer.Serialize(applied, ProviderJson.Info<ListenerWeights>()),
            };
            try
            {
                store.Save(state);
            }
            catch
            {
                state.Keys.Remove(key);
                (listener.Weights, listener.Revision, listener.AppliedAt) = (oldWeights, oldRevision, oldAppliedAt);
                if (previous is not null)
                {
                    host!.Apply(previous);
                }

                throw;
            }

            Log($"listener {environment}: weights {Describe(listener.Weights)} (revision {listener.Revision})");
            return host?.Table.Weights ?? applied;
        }
        finally
        {
            gate.Release();
        }
    }

    public ListenerWeights GetWeights(string environment)
    {
        var listener = RequireListener(environment);
        return listeners.TryGetValue(environment, out var host) ? host.Table.Weights : ToWeights(listener);
    }

    public TrafficMetrics GetMetrics(string environment, string infraSetId, int windowSeconds)
    {
        RequireListener(environment);
        RequireInfraSet(infraSetId, environment, allowDeleted: true);
        if (windowSeconds < 1 || windowSeconds > Recorder.RetentionSeconds)
        {
            throw Reject(InfraProviderErrorReason.InvalidSpec, $"Metrics window {windowSeconds} s is outside 1-{Recorder.RetentionSeconds} s. Ask for at most {Recorder.RetentionSeconds} s.");
        }

        var series = Recorder.For(environment, infraSetId);
        var (totals, samples) = series.Read(Time.GetUtcNow().ToUnixTimeSeconds(), windowSeconds);
        return new TrafficMetrics
        {
            Environment = environment,
            InfraSetId = infraSetId,
            Availability = MetricsAvailability.Available,
            Totals = totals,
            Series = samples,
            InFlight = series.InFlight,
        };
    }

    public async Task<DrainResult> DrainAsync(string environment, string infraSetId, TimeSpan timeout, string key, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            CheckKey(key, "drain", ProviderJson.Canonical(new JsonObject { ["environment"] = environment, ["infraSetId"] = infraSetId }));
            var listener = RequireListener(environment);
            RequireInfraSet(infraSetId, environment, allowDeleted: true);
            if (listener.Weights.TryGetValue(infraSetId, out var weight) && weight > 0)
            {
                throw Reject(
                    InfraProviderErrorReason.InfraSetTakesTraffic,
                    $"Infra-set '{infraSetId}' still has weight {weight} on listener '{environment}'. Set its weight to 0 before draining it.");
            }

            state.Keys[key] = new IdempotencyRecord { Operation = "drain", Request = ProviderJson.Canonical(new JsonObject { ["environment"] = environment, ["infraSetId"] = infraSetId }), ResultId = infraSetId };
            store.Save(state);
        }
        finally
        {
            gate.Release();
        }

        var series = Recorder.For(environment, infraSetId);
        var started = Time.GetTimestamp();
        while (series.InFlight > 0 && Time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2), Time, cancellationToken);
        }

        return new DrainResult
        {
            Status = series.InFlight == 0 ? DrainStatus.Drained : DrainStatus.TimedOut,
            InFlight = series.InFlight,
            Waited = Time.GetElapsedTime(started),
        };
    }

    public async Task<InfraSetInfo> DeleteInfraSetAsync(string infraSetId, string key)
    {
        InfraSetRuntime? toStop = null;
        await gate.WaitAsync();
        try
        {
            CheckKey(key, "delete-infra-set", ProviderJson.Canonical(new JsonObject { ["infraSetId"] = infraSetId }));
            var record = RequireInfraSet(infraSetId, environment: null, allowDeleted: true);
            if (!record.Deleted)
            {
                foreach (var listener in state.Listeners)
                {
                    if (listener.Weights.TryGetValue(infraSetId, out var weight) && weight > 0)
                    {
                        throw Reject(
                            InfraProviderErrorReason.InfraSetTakesTraffic,
                            $"Infra-set '{infraSetId}' still takes traffic on listener '{listener.Environment}' (weight {weight} of {listener.Weights.Values.Sum()}). Set its weight to 0 and drain it before deleting.");
                    }
                }

                foreach (var listener in state.Listeners.Where(l => l.Weights.ContainsKey(infraSetId)))
                {
                    // Keep invariant 2 (weights only name existing infra-sets): drop the zero-weight entry.
                    listener.Weights.Remove(infraSetId);
                    listener.Revision++;
                    listener.AppliedAt = Time.GetUtcNow();
                    if (listeners.TryGetValue(listener.Environment, out var host))
                    {
                        host.Apply(NewTable(ToWeights(listener)));
                    }
                }

                record.Deleted = true;
                toStop = runtimes[infraSetId];
                Log($"infra-set {infraSetId}: deleted");
            }

            state.Keys[key] = new IdempotencyRecord { Operation = "delete-infra-set", Request = ProviderJson.Canonical(new JsonObject { ["infraSetId"] = infraSetId }), ResultId = infraSetId };
            store.Save(state);
        }
        finally
        {
            gate.Release();
        }

        // Outside the lock: a supervisor may be waiting for the lock to record a restart, and stopping awaits it.
        if (toStop is not null)
        {
            await toStop.StopAllAsync();
            await MutateAsync(() => toStop.Record.Instances.ForEach(instance => instance.ProcessId = null));
        }

        return runtimes[infraSetId].ToInfo();
    }

    public LocalProviderStatus Status(string controlEndpoint, DateTimeOffset startedAt)
    {
        string[] environments;
        lock (runtimes)
        {
            environments = state.Listeners.Select(l => l.Environment).ToArray();
        }

        return new LocalProviderStatus
        {
            ProcessId = Environment.ProcessId,
            ControlEndpoint = controlEndpoint,
            DataDirectory = Paths.DataDirectory,
            ArtifactsDirectory = Artifacts.ArtifactsDirectory,
            StartedAt = startedAt,
            Listeners = environments.Select(ListenerInfoOf).ToList(),
            InfraSets = List(environment: null),
        };
    }

    /// <summary>Stops listeners and, when <paramref name="stopInstances"/>, every instance (state is kept for the next start).</summary>
    public async Task StopAsync(bool stopInstances)
    {
        List<InfraSetRuntime> toStop;
        await gate.WaitAsync();
        try
        {
            foreach (var host in listeners.Values)
            {
                await host.DisposeAsync();
            }

            listeners.Clear();
            toStop = stopInstances ? runtimes.Values.Where(r => !r.Record.Deleted).ToList() : [];
        }
        finally
        {
            gate.Release();
        }

        // Outside the lock, as in DeleteInfraSetAsync.
        await Task.WhenAll(toStop.Select(runtime => runtime.StopAllAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        upstream.Dispose();
        healthClient.Dispose();
        gate.Dispose();
        await Task.CompletedTask;
    }

    private static SocketsHttpHandler CreateHandler(int maxConnections) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        MaxConnectionsPerServer = maxConnections,
    };

    private static InfraProviderException Reject(InfraProviderErrorReason reason, string message) => InfraProviderException.Create(reason, message);

    private static string Describe(IReadOnlyDictionary<string, int> weights) =>
        weights.Count == 0 ? "(none)" : string.Join(", ", weights.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static ListenerWeights ToWeights(ListenerRecord record) => new()
    {
        Environment = record.Environment,
        Weights = new Dictionary<string, int>(record.Weights, StringComparer.Ordinal),
        Revision = record.Revision,
        AppliedAt = record.AppliedAt,
    };

    private static void ValidateEnvironment(string environment)
    {
        if (!EnvironmentPattern().IsMatch(environment ?? string.Empty))
        {
            throw Reject(
                InfraProviderErrorReason.InvalidSpec,
                $"Environment '{environment}' is invalid. Use 1-40 lowercase letters, digits and '-', starting with a letter or digit (e.g. 'staging').");
        }
    }

    private static void ValidateKey(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
        {
            throw Reject(InfraProviderErrorReason.InvalidSpec, "The idempotency key is empty or longer than 200 characters. Send a key unique to the change, e.g. the activity id.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex EnvironmentPattern();

    private void ValidateWeights(string environment, IReadOnlyDictionary<string, int> weights)
    {
        foreach (var (id, weight) in weights.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (weight is < 0 or > 999)
            {
                throw Reject(InfraProviderErrorReason.InvalidWeights, $"Weight {weight} for infra-set '{id}' is outside 0-999. Use an integer between 0 and 999.");
            }
        }

        var total = weights.Values.Sum();
        if (total <= 0)
        {
            throw Reject(
                InfraProviderErrorReason.InvalidWeights,
                $"Weights for listener '{environment}' sum to {total}; they must sum to a positive number. Give at least one infra-set a weight between 1 and 999.");
        }

        foreach (var (id, weight) in weights.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var record = state.InfraSets.Find(set => set.Id == id);
            if (record is null)
            {
                throw Reject(InfraProviderErrorReason.UnknownInfraSet, $"Weights name unknown infra-set '{id}'. Create it in environment '{environment}' first, or remove it from the weights.");
            }

            if (record.Deleted)
            {
                throw Reject(InfraProviderErrorReason.UnknownInfraSet, $"Weights name infra-set '{id}', which was deleted. Remove it from the weights.");
            }

            if (record.Spec.Environment != environment)
            {
                throw Reject(
                    InfraProviderErrorReason.UnknownInfraSet,
                    $"Weights name infra-set '{id}' of environment '{record.Spec.Environment}'; listener '{environment}' only routes to infra-sets of environment '{environment}'.");
            }

            if (weight > 0 && runtimes[id].ToInfo() is { Status: not InfraSetStatus.Healthy } info)
            {
                throw Reject(
                    InfraProviderErrorReason.InfraSetNotHealthy,
                    $"Infra-set '{id}' is not healthy ({info.StatusMessage}). Wait until it is healthy before giving it a positive weight.");
            }
        }
    }

    private IdempotencyRecord? CheckKey(string key, string operation, string request)
    {
        ValidateKey(key);
        if (!state.Keys.TryGetValue(key, out var used))
        {
            return null;
        }

        if (used.Operation == operation && used.Request == request)
        {
            return used;
        }

        var what = used.Operation == operation ? $"a different {operation} request (on '{used.ResultId}')" : $"{used.Operation} (on '{used.ResultId}')";
        throw Reject(
            InfraProviderErrorReason.IdempotencyKeyConflict,
            $"Idempotency key '{key}' was already used for {what}. Use a new key for a new request, or resend the original request unchanged.");
    }

    private ListenerRecord RequireListener(string environment) =>
        state.Listeners.Find(l => l.Environment == environment)
        ?? throw Reject(InfraProviderErrorReason.UnknownListener, $"Environment '{environment}' has no listener. Create it first (EnsureListener / POST /v1/listeners).");

    private InfraSetRecord RequireInfraSet(string id, string? environment, bool allowDeleted)
    {
        var record = state.InfraSets.Find(set => set.Id == id);
        if (record is null || (record.Deleted && !allowDeleted))
        {
            throw Reject(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set '{id}' does not exist. List the environment's infra-sets to find the right id.");
        }

        if (environment is not null && record.Spec.Environment != environment)
        {
            throw Reject(InfraProviderErrorReason.UnknownInfraSet, $"Infra-set '{id}' belongs to environment '{record.Spec.Environment}', not '{environment}'.");
        }

        return record;
    }

    private InfraSetInfo? DescribeRecord(string id)
    {
        var record = state.InfraSets.Find(set => set.Id == id);
        return record is null ? null : runtimes.TryGetValue(id, out var runtime) ? runtime.ToInfo() : null;
    }

    private ListenerInfo ListenerInfoOf(string environment)
    {
        var record = RequireListener(environment);
        return new ListenerInfo
        {
            Environment = environment,
            Port = record.Port,
            Endpoint = $"http://127.0.0.1:{record.Port}",
            Weights = GetWeights(environment),
        };
    }

    private void StartRuntime(InfraSetRecord record, bool tryAdopt, ILookup<string, ScannedProcess> running)
    {
        InfraSetRuntime runtime;
        lock (runtimes)
        {
            runtime = AddRuntime(record);
        }

        runtime.StartInstances(tryAdopt, running);
    }

    /// <summary>Registers the supervisors of an infra-set's instances, not started yet (they report Starting); the caller holds the <c>runtimes</c> lock.</summary>
    private InfraSetRuntime AddRuntime(InfraSetRecord record)
    {
        var runtime = new InfraSetRuntime(record, [.. record.Instances.Select(instance => new InstanceRuntime(context, record, instance))]);
        runtimes[record.Id] = runtime;
        return runtime;
    }

    private ListenerHost NewListener(string environment, int port, ListenerWeights weights) =>
        new(environment, port, NewTable(weights), upstream, Recorder, Time, Options.UpstreamTimeout);

    private RoutingTable NewTable(ListenerWeights weights) =>
        new(weights, id => runtimes.TryGetValue(id, out var runtime) ? runtime : null);

    private int FreePort()
    {
        var used = UsedPorts();
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Ports.FindFree();
            if (!used.Contains(port))
            {
                return port;
            }
        }

        throw Reject(InfraProviderErrorReason.Internal, "Could not find a free loopback port after 50 attempts.");
    }

    private HashSet<int> UsedPorts() =>
        state.Listeners.Select(l => l.Port)
            .Concat(state.InfraSets.Where(s => !s.Deleted).SelectMany(s => s.Instances).Select(i => i.Port))
            .ToHashSet();

    private void EnsurePortAvailable(int port)
    {
        if (state.Listeners.Find(l => l.Port == port) is { } other)
        {
            throw Reject(InfraProviderErrorReason.PortInUse, $"Port {port} is already used by the listener of environment '{other.Environment}'. Choose another port, or 0 to pick a free one.");
        }

        if (state.InfraSets.Where(s => !s.Deleted).SelectMany(s => s.Instances).FirstOrDefault(i => i.Port == port) is { } instance)
        {
            throw Reject(InfraProviderErrorReason.PortInUse, $"Port {port} is already used by instance '{instance.Id}'. Choose another port, or 0 to pick a free one.");
        }

        if (!Ports.IsFree(port))
        {
            throw Reject(InfraProviderErrorReason.PortInUse, PortTakenByProcess(port));
        }
    }

    private static string PortTakenByProcess(int port) =>
        $"Port {port} on 127.0.0.1 is already in use by another process. Choose another port, or 0 to pick a free one.";

    private async Task MutateAsync(Action change)
    {
        await gate.WaitAsync();
        try
        {
            change();
            store.Save(state);
        }
        finally
        {
            gate.Release();
        }
    }
}
