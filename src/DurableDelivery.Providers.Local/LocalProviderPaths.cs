namespace DurableDelivery.Providers.Local;

/// <summary>
/// The layout of the local provider under a data dir: everything lives in <c>&lt;data-dir&gt;/local-provider/</c>.
/// </summary>
/// <remarks>
/// <c>state.json</c> (listeners, infra-sets, ports, weights, idempotency keys; replaced atomically),
/// <c>control.json</c> (the control API's port and the provider's pid, present while it runs),
/// <c>provider.lock</c> (held while a provider runs, so two cannot share a data dir),
/// <c>provider.log</c> (the provider's output) and <c>logs/&lt;instance-id&gt;.log</c> (each instance's output).
/// </remarks>
public sealed record LocalProviderPaths
{
    /// <summary>Initializes a new instance of the <see cref="LocalProviderPaths"/> class.</summary>
    /// <param name="dataDirectory">The data dir, e.g. <c>./.durable-delivery</c>.</param>
    public LocalProviderPaths(string dataDirectory)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        Root = Path.Combine(DataDirectory, "local-provider");
    }

    /// <summary>Gets the data dir (absolute).</summary>
    public string DataDirectory { get; }

    /// <summary>Gets <c>&lt;data-dir&gt;/local-provider</c>.</summary>
    public string Root { get; }

    /// <summary>Gets the persisted state file.</summary>
    public string StateFile => Path.Combine(Root, "state.json");

    /// <summary>Gets the file naming the control API's port and the provider's pid.</summary>
    public string ControlFile => Path.Combine(Root, "control.json");

    /// <summary>Gets the lock file held by the running provider.</summary>
    public string LockFile => Path.Combine(Root, "provider.lock");

    /// <summary>Gets the provider's log file.</summary>
    public string ProviderLog => Path.Combine(Root, "provider.log");

    /// <summary>Gets the folder of the instances' log files.</summary>
    public string InstanceLogs => Path.Combine(Root, "logs");

    /// <summary>Resolves the data dir the CLI and tools use: an explicit value, else <c>DD_DATA_DIR</c>, else <c>./.durable-delivery</c>.</summary>
    /// <param name="explicitValue">The value of <c>--data-dir</c>, if given.</param>
    /// <returns>The data dir.</returns>
    public static string ResolveDataDirectory(string? explicitValue) =>
        !string.IsNullOrWhiteSpace(explicitValue) ? explicitValue
        : Environment.GetEnvironmentVariable("DD_DATA_DIR") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Environment.CurrentDirectory, ".durable-delivery");
}
