namespace DurableDelivery.Providers.Local;

/// <summary>How a local provider process runs. Passed on its command line by <see cref="LocalProviderProcess"/>.</summary>
public sealed record LocalProviderOptions
{
    /// <summary>Gets the data dir; the provider keeps its state in <c>&lt;data-dir&gt;/local-provider/</c>.</summary>
    /// <value>The default is <c>./.durable-delivery</c> (or <c>DD_DATA_DIR</c>).</value>
    public string DataDirectory { get; init; } = LocalProviderPaths.ResolveDataDirectory(null);

    /// <summary>Gets the folder of artifact manifests (<c>&lt;artifact-id&gt;.json</c>).</summary>
    /// <value>The default is the nearest <c>infra/local/artifacts</c> above the current folder or the provider's dll.</value>
    public string? ArtifactsDirectory { get; init; }

    /// <summary>Gets the loopback port of the control API.</summary>
    /// <value>The default is 0: a free port, written to <c>control.json</c>.</value>
    public int ControlPort { get; init; }

    /// <summary>Gets how often each instance's health is checked (and its exit noticed, for re-adopted processes).</summary>
    /// <value>The default is 200 milliseconds.</value>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets how long one health check may take before it counts as failed.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets how long an instance may stay silent on a proxied request (before its response headers, or between reads and
    /// writes of a body) before the listener gives up: 504 when no response has started, a cut-off response otherwise.
    /// </summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets how many seconds of per-second metrics are kept (the longest metrics window).</summary>
    /// <value>The default is 300 seconds.</value>
    public int MetricsRetentionSeconds { get; init; } = 300;

    /// <summary>Gets a value indicating whether the provider also writes its log to standard output (foreground mode).</summary>
    /// <value>The default is <see langword="false"/>: the log goes to <c>provider.log</c> only.</value>
    public bool LogToConsole { get; init; }

    /// <summary>Lists every problem with these options at once, each naming the option, the bad value and the fix.</summary>
    /// <returns>The problems; empty when the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ControlPort is < 0 or > 65535)
        {
            errors.Add($"Control port {ControlPort} is outside 0-65535. Use 0 to pick a free port.");
        }

        if (HealthCheckInterval <= TimeSpan.Zero)
        {
            errors.Add($"Health check interval {HealthCheckInterval} must be positive. Use e.g. 200 ms.");
        }

        if (HealthCheckTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Health check timeout {HealthCheckTimeout} must be positive. Use e.g. 1 s.");
        }

        if (UpstreamTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Upstream timeout {UpstreamTimeout} must be positive. Use e.g. 30 s.");
        }

        if (MetricsRetentionSeconds is < 10 or > 3600)
        {
            errors.Add($"Metrics retention {MetricsRetentionSeconds} s is outside 10-3600. Use e.g. 300.");
        }

        if (ArtifactsDirectory is not null && !Directory.Exists(ArtifactsDirectory))
        {
            errors.Add($"Artifacts directory '{ArtifactsDirectory}' does not exist. Pass an existing folder of artifact manifests.");
        }

        return errors;
    }
}
