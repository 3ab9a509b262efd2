using System.Diagnostics;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local;

/// <summary>
/// Starts and stops the local provider as its own long-lived process (<c>dotnet DurableDelivery.Providers.Local.dll serve</c>),
/// detached from the caller, so that a crashing worker or CLI never stops traffic.
/// </summary>
public static class LocalProviderProcess
{
    /// <summary>
    /// Starts a provider process on <see cref="LocalProviderOptions.DataDirectory"/> unless one already runs there, and
    /// returns once its control API answers.
    /// </summary>
    /// <param name="options">How the provider runs.</param>
    /// <param name="timeout">How long to wait for the control API. The default is 30 seconds.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The running provider's status (the existing one's when it already ran).</returns>
    /// <exception cref="InfraProviderUnavailableException">The process exited or did not answer in time; the message quotes its log.</exception>
    public static Task<LocalProviderStatus> StartAsync(LocalProviderOptions options, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        StartWithEnvironmentAsync(options, new Dictionary<string, string>(), timeout, cancellationToken);

    /// <summary>As <see cref="StartAsync"/>, with variables added to the provider process's environment (crash tests arm <see cref="CrashPoints"/> so).</summary>
    internal static async Task<LocalProviderStatus> StartWithEnvironmentAsync(LocalProviderOptions options, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var client = new LocalInfraProvider(options.DataDirectory, TimeSpan.FromSeconds(5));
        if (await TryGetStatusAsync(client, cancellationToken) is { } running)
        {
            return running;
        }

        var paths = client.Paths;
        Directory.CreateDirectory(paths.Root);
        var arguments = new List<string> { ProviderAssembly(), "serve", "--data-dir", paths.DataDirectory };
        if (options.ArtifactsDirectory is not null)
        {
            arguments.AddRange(["--artifacts-dir", Path.GetFullPath(options.ArtifactsDirectory)]);
        }

        if (options.ControlPort != 0)
        {
            arguments.AddRange(["--control-port", options.ControlPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (options.HealthCheckInterval != new LocalProviderOptions().HealthCheckInterval)
        {
            arguments.AddRange(["--health-interval-ms", ((int)options.HealthCheckInterval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (options.UpstreamTimeout != new LocalProviderOptions().UpstreamTimeout)
        {
            arguments.AddRange(["--upstream-timeout-ms", ((int)options.UpstreamTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        var logStart = File.Exists(paths.ProviderLog) ? new FileInfo(paths.ProviderLog).Length : 0;
        using var process = DetachedProcess.Start(DotnetHost(), arguments, environment, paths.ProviderLog, paths.Root);
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (client.ReadControlFile() is { } control && control.ProcessId == process.Id && await TryGetStatusAsync(client, cancellationToken) is { } status)
            {
                return status;
            }

            if (process.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                var why = process.HasExited ? $"exited with code {process.ExitCode}" : "did not answer in time";
                throw new InfraProviderUnavailableException(
                    $"The local provider process {why}: {LogSince(paths.ProviderLog, logStart)}",
                    null);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Stops the provider on a data dir (listeners and instances stop; state is kept) and waits for its process to exit.</summary>
    /// <param name="dataDirectory">The data dir.</param>
    /// <param name="timeout">How long to wait before killing the process. The default is 15 seconds.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when a provider was running and stopped; <see langword="false"/> when none ran.</returns>
    public static async Task<bool> StopAsync(string dataDirectory, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var client = new LocalInfraProvider(dataDirectory, TimeSpan.FromSeconds(5));
        var control = client.ReadControlFile();
        if (control is null || !DetachedProcess.IsAlive(control.ProcessId))
        {
            return false;
        }

        try
        {
            await client.RequestShutdownAsync(cancellationToken);
        }
        catch (InfraProviderUnavailableException)
        {
            return false;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(15)).TotalSeconds * Stopwatch.Frequency);
        while (DetachedProcess.IsAlive(control.ProcessId))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                DetachedProcess.Kill(control.ProcessId);
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        return true;
    }

    /// <summary>Reads the pid of the provider running on a data dir, from <c>control.json</c>, if it is alive.</summary>
    /// <param name="dataDirectory">The data dir.</param>
    /// <returns>The pid, or <see langword="null"/>.</returns>
    public static int? FindProcessId(string dataDirectory)
    {
        using var client = new LocalInfraProvider(dataDirectory);
        return client.ReadControlFile() is { } control && DetachedProcess.IsAlive(control.ProcessId) ? control.ProcessId : null;
    }

    /// <summary>Runs the provider in the calling process until SIGTERM, Ctrl+C or a shutdown request (<c>ddctl local up --foreground</c>).</summary>
    /// <param name="options">How the provider runs.</param>
    /// <returns>The exit code: 0 after a clean stop.</returns>
    public static Task<int> RunInForegroundAsync(LocalProviderOptions options) => ProviderHost.RunAsync(options);

    private static async Task<LocalProviderStatus?> TryGetStatusAsync(LocalInfraProvider client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetStatusAsync(cancellationToken);
        }
        catch (InfraProviderUnavailableException)
        {
            return null;
        }
    }

    /// <summary>
    /// The provider's assembly, run with <c>dotnet</c>: next to the program (a JIT-compiled ddctl, a worker, a test), or in
    /// <c>provider/</c> next to a natively compiled ddctl, whose publish ships it there framework-dependent (it runs .NET
    /// sample services, so it needs the .NET runtime anyway).
    /// </summary>
    private static string ProviderAssembly()
    {
        const string AssemblyFile = "DurableDelivery.Providers.Local.dll";
        string[] candidates = [Path.Combine(AppContext.BaseDirectory, AssemblyFile), Path.Combine(AppContext.BaseDirectory, "provider", AssemblyFile)];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InfraProviderUnavailableException($"The local provider ({AssemblyFile}) is not installed next to this program (looked in {string.Join(" and ", candidates)}). Reinstall ddctl, or build the solution.");
    }

    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private static string LogSince(string logFile, long offset)
    {
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(offset, SeekOrigin.Begin);
            var text = new StreamReader(stream).ReadToEnd().Trim();
            return text.Length == 0 ? $"(nothing in {logFile})" : text.ReplaceLineEndings(" | ");
        }
        catch (IOException)
        {
            return $"(no log at {logFile})";
        }
    }
}
