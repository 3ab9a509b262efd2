using System.Diagnostics;
using System.Globalization;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// Supervises one instance: starts (or re-adopts) its process, checks its health every
/// <see cref="LocalProviderOptions.HealthCheckInterval"/>, and restarts it with backoff when it stops, counting restarts.
/// </summary>
internal sealed class InstanceRuntime
{
    private readonly ProviderContext context;
    private readonly InfraSetRecord infraSet;
    private readonly CancellationTokenSource stopping = new();
    private Process? owned;
    private int? pid;
    private long startedAt;
    private Task? loop;
    private volatile bool healthy;
    private volatile Uri baseUri;

    public InstanceRuntime(ProviderContext context, InfraSetRecord infraSet, InstanceRecord record)
    {
        this.context = context;
        this.infraSet = infraSet;
        Record = record;
        baseUri = new Uri($"http://127.0.0.1:{record.Port}/");
    }

    public InstanceRecord Record { get; }

    public bool Healthy => healthy;

    public bool EverHealthy { get; private set; }

    public Uri BaseUri => baseUri;

    public string LogFile => Path.Combine(context.Paths.InstanceLogs, Record.Id + ".log");

    /// <summary>The environment variable naming the instance a process runs: <c>DD_INSTANCE_ID=&lt;instance id&gt;</c>.</summary>
    public const string InstanceIdVariable = "DD_INSTANCE_ID";

    /// <summary>
    /// The environment variable naming the provider that started a process: <c>DD_PROVIDER_ROOT=&lt;data-dir&gt;/local-provider</c>
    /// (full path). With <see cref="InstanceIdVariable"/> it finds a provider's instances even when their pids were never
    /// saved, and keeps providers on other data dirs (whose instance ids may be the same) out of each other's way.
    /// </summary>
    public const string ProviderRootVariable = "DD_PROVIDER_ROOT";

    /// <summary>The environment variable that tells an instance process its port.</summary>
    public const string PortVariable = "PORT";

    /// <summary>
    /// Starts supervising. With <paramref name="tryAdopt"/>, a live process of this instance is kept instead of starting a
    /// new one: the recorded pid when it is one of <paramref name="running"/> (or, started before the provider-root
    /// marker existed, carries only this instance id), else one of <paramref name="running"/>; the other processes of
    /// <paramref name="running"/> are killed.
    /// </summary>
    /// <param name="tryAdopt">Whether to adopt a running process.</param>
    /// <param name="running">
    /// The live processes carrying this provider's root and this instance id, found by the start-up scan. With
    /// <paramref name="tryAdopt"/>, the caller holds the provider's state lock: an adopted pid is written to the record
    /// directly, for the caller to save.
    /// </param>
    public void Start(bool tryAdopt, IReadOnlyList<ScannedProcess>? running = null)
    {
        if (tryAdopt)
        {
            Adopt(running ?? []);
        }

        loop = Task.Run(() => RunAsync(stopping.Token));
    }

    /// <summary>Stops supervising and kills the process.</summary>
    public async Task StopAsync()
    {
        await stopping.CancelAsync();
        if (loop is not null)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
                // Expected: the loop ends by cancellation.
            }
        }

        healthy = false;
        if (pid is { } current)
        {
            DetachedProcess.Kill(current);

            // A kill is asynchronous: wait (bounded) until the process is gone, so "deleted" and "stopped" mean stopped.
            var deadline = Stopwatch.GetTimestamp() + (5 * Stopwatch.Frequency);
            while (DetachedProcess.IsAlive(current) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), context.Time);
            }

            pid = null;
        }

        owned?.Dispose();
        stopping.Dispose();
    }

    public InstanceInfo ToInfo() => new()
    {
        Id = Record.Id,
        Endpoint = BaseUri.ToString().TrimEnd('/'),
        Healthy = healthy,
        Restarts = Record.Restarts,
        ProcessId = pid,
        LastExit = Record.LastExit,
    };

    private void Adopt(IReadOnlyList<ScannedProcess> running)
    {
        // Processes an instance starts inherit its markers: only the top of each tree of marked processes is an instance
        // process; the rest belong to it, kept with it or killed with it.
        var byPid = running.ToDictionary(process => process.ProcessId);
        ScannedProcess Top(ScannedProcess process)
        {
            while (byPid.TryGetValue(process.ParentId, out var parent) && parent != process)
            {
                process = parent;
            }

            return process;
        }

        var trees = running.GroupBy(Top).ToList();
        ScannedProcess? adopted = null;
        if (Record.ProcessId is { } recorded)
        {
            adopted = byPid.TryGetValue(recorded, out var found) ? Top(found) : null;
            if (adopted is null
                && DetachedProcess.Inspect(recorded) is { } process
                && process.Environment.GetValueOrDefault(InstanceIdVariable) == Record.Id
                && !process.Environment.ContainsKey(ProviderRootVariable))
            {
                // Started by a provider before the root marker existed: the instance id is the only proof. A process
                // with another provider's root is that provider's, whatever its instance id.
                adopted = process;
            }
        }

        // Not recorded: the provider died between starting it and saving its pid. Prefer the one serving the recorded port.
        var port = Record.Port.ToString(CultureInfo.InvariantCulture);
        adopted ??= trees.Select(tree => tree.Key).FirstOrDefault(top => top.Environment.GetValueOrDefault(PortVariable) == port)
            ?? trees.Select(tree => tree.Key).FirstOrDefault();
        foreach (var tree in trees.Where(tree => tree.Key.ProcessId != adopted?.ProcessId))
        {
            foreach (var process in tree)
            {
                DetachedProcess.Kill(process.ProcessId);
            }

            var children = tree.Count() - 1;
            var also = children > 0 ? $" and {children} process(es) it started" : string.Empty;
            context.Log($"instance {Record.Id}: killed duplicate pid {tree.Key.ProcessId}{also} (port {tree.Key.Environment.GetValueOrDefault(PortVariable)}); pid {adopted!.ProcessId} is kept");
        }

        if (adopted is null)
        {
            return;
        }

        pid = adopted.ProcessId;
        startedAt = Stopwatch.GetTimestamp();
        if (Record.ProcessId == adopted.ProcessId)
        {
            context.Log($"instance {Record.Id}: re-adopted pid {adopted.ProcessId} on port {Record.Port}");
            return;
        }

        var recordedBefore = Record.ProcessId;
        Record.ProcessId = adopted.ProcessId;
        if (int.TryParse(adopted.Environment.GetValueOrDefault(PortVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var actual) && actual != Record.Port)
        {
            Record.Port = actual;
            baseUri = new Uri($"http://127.0.0.1:{actual}/");
        }

        var why = recordedBefore is { } stale ? $"recorded pid {stale} is not this instance's" : "no pid was recorded";
        context.Log($"instance {Record.Id}: adopted unrecorded pid {adopted.ProcessId} on port {Record.Port} ({why}; found by its {ProviderRootVariable} and {InstanceIdVariable})");
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var crashesInARow = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (pid is null)
            {
                if (crashesInARow > 0)
                {
                    var backoff = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, crashesInARow - 1), 5000));
                    await Task.Delay(backoff, context.Time, cancellationToken);
                }

                await LaunchAsync();
            }

            var exited = owned is { } process
                ? await WaitExitOrTimeoutAsync(process, cancellationToken)
                : await DelayThenCheckAdoptedAsync(cancellationToken);
            if (exited)
            {
                crashesInARow++;
                await RecordExitAsync();
                continue;
            }

            healthy = await CheckHealthAsync(cancellationToken);
            if (healthy)
            {
                EverHealthy = true;
                crashesInARow = 0;
            }
        }
    }

    private async Task<bool> WaitExitOrTimeoutAsync(Process process, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.HealthCheckInterval);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<bool> DelayThenCheckAdoptedAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(context.Options.HealthCheckInterval, context.Time, cancellationToken);
        return pid is { } current && !DetachedProcess.IsAlive(current);
    }

    private async Task LaunchAsync()
    {
        if (!Ports.IsFree(Record.Port))
        {
            var old = Record.Port;
            var fresh = Ports.FindFree();
            await context.MutateAsync(() => Record.Port = fresh);
            baseUri = new Uri($"http://127.0.0.1:{fresh}/");
            context.Log($"instance {Record.Id}: port {old} is taken by another process; moved to port {fresh}");
        }

        var artifact = infraSet.Artifact;
        var port = Record.Port.ToString(CultureInfo.InvariantCulture);
        string Expand(string text) => text
            .Replace("{provider-dir}", context.ProviderDirectory, StringComparison.Ordinal)
            .Replace("{artifact-dir}", artifact.ArtifactDirectory, StringComparison.Ordinal)
            .Replace("{port}", port, StringComparison.Ordinal)
            .Replace("{instance-id}", Record.Id, StringComparison.Ordinal);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in artifact.Environment)
        {
            environment[name] = Expand(value);
        }

        foreach (var (name, value) in infraSet.Spec.Settings)
        {
            environment[name] = value;
        }

        environment[PortVariable] = port;
        environment[InstanceIdVariable] = Record.Id;
        environment[ProviderRootVariable] = context.Paths.Root;
        environment["DD_INFRA_SET_ID"] = infraSet.Id;
        environment["DD_VERSION"] = artifact.Version;

        owned?.Dispose();
        owned = DetachedProcess.Start(Expand(artifact.Command), artifact.Arguments.Select(Expand), environment, LogFile, artifact.ArtifactDirectory);
        pid = owned.Id;
        startedAt = Stopwatch.GetTimestamp();
        healthy = false;

        // A provider killed here leaves a process whose pid is not saved; the next start finds it by its markers.
        CrashPoints.Hit(CrashPoints.InstanceSpawned);
        await context.MutateAsync(() => Record.ProcessId = owned.Id);
        context.Log($"instance {Record.Id}: started pid {owned.Id} on port {Record.Port}");
    }

    private async Task RecordExitAsync()
    {
        healthy = false;
        var lived = Stopwatch.GetElapsedTime(startedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var how = owned is { HasExited: true } process
            ? $"exited with code {process.ExitCode} after {lived} s"
            : $"stopped after {lived} s (re-adopted process, exit code unknown)";
        pid = null;
        owned?.Dispose();
        owned = null;
        await context.MutateAsync(() =>
        {
            Record.Restarts++;
            Record.LastExit = $"{how}; see {LogFile}";
            Record.ProcessId = null;
        });
        context.Log($"instance {Record.Id}: {how}; restarting (restart {Record.Restarts})");
    }

    private async Task<bool> CheckHealthAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(context.Options.HealthCheckTimeout);
        try
        {
            var path = infraSet.Spec.HealthCheckPath ?? infraSet.Artifact.HealthCheckPath;
            using var response = await context.HealthClient.GetAsync(new Uri(BaseUri, path.TrimStart('/')), timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
