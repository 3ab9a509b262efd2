using System.CommandLine;
using System.Diagnostics;
using System.Net.Sockets;
using Temporalio.Client;
using Temporalio.Common.EnvConfig;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// The connection options every command that talks to Temporal shares, named as the temporal CLI names them
/// (<c>--address</c>, <c>--namespace</c>, <c>--api-key</c>, <c>--tls*</c>). Unset options come from the variables and the
/// config file the temporal CLI reads (<c>TEMPORAL_ADDRESS</c>, <c>TEMPORAL_NAMESPACE</c>, <c>TEMPORAL_API_KEY</c>,
/// <c>TEMPORAL_TLS*</c>, <c>TEMPORAL_PROFILE</c>, <c>temporal.toml</c>), else the embedded server at
/// <see cref="TemporalConnection.DefaultAddress"/>.
/// </summary>
internal sealed record ConnectionOptions(
    Option<string?> Address,
    Option<string?> Namespace,
    Option<string?> ApiKey,
    Option<bool> Tls,
    Option<string?> TlsCertPath,
    Option<string?> TlsKeyPath,
    Option<string?> TlsCaPath,
    Option<string?> TlsServerName)
{
    /// <summary>Adds the connection options to <paramref name="command"/> (last, so that --help lists its own options first).</summary>
    public static ConnectionOptions Add(Command command)
    {
        var options = new ConnectionOptions(
            new Option<string?>("--address")
            {
                Description = $"Temporal frontend, host:port. Default: $TEMPORAL_ADDRESS, else the embedded server at {TemporalConnection.DefaultAddress} (started for you when none runs).",
                HelpName = "host:port",
            },
            new Option<string?>("--namespace", "-n")
            {
                Description = "Temporal namespace. Default: $TEMPORAL_NAMESPACE, else default.",
                HelpName = "name",
            },
            new Option<string?>("--api-key") { Description = "API key sent as a bearer token (Temporal Cloud). Default: $TEMPORAL_API_KEY.", HelpName = "key" },
            new Option<bool>("--tls") { Description = "Connect with TLS (implied by --tls-cert-path, --tls-ca-path, --tls-server-name or --api-key). Default: $TEMPORAL_TLS." },
            new Option<string?>("--tls-cert-path") { Description = "Client certificate for mTLS (PEM). Default: $TEMPORAL_TLS_CLIENT_CERT_PATH.", HelpName = "path" },
            new Option<string?>("--tls-key-path") { Description = "Client private key for mTLS (PEM). Default: $TEMPORAL_TLS_CLIENT_KEY_PATH.", HelpName = "path" },
            new Option<string?>("--tls-ca-path") { Description = "CA certificate that signed the server's (PEM). Default: $TEMPORAL_TLS_SERVER_CA_CERT_PATH.", HelpName = "path" },
            new Option<string?>("--tls-server-name") { Description = "Server name to verify the certificate against. Default: $TEMPORAL_TLS_SERVER_NAME.", HelpName = "name" });
        command.Options.Add(options.Address);
        command.Options.Add(options.Namespace);
        command.Options.Add(options.ApiKey);
        command.Options.Add(options.Tls);
        command.Options.Add(options.TlsCertPath);
        command.Options.Add(options.TlsKeyPath);
        command.Options.Add(options.TlsCaPath);
        command.Options.Add(options.TlsServerName);
        return options;
    }
}

/// <summary>
/// Connects ddctl to a Temporal frontend: the embedded server by default (started in the background when nothing
/// listens on <see cref="DefaultAddress"/> and no address was given), or any Temporal cluster.
/// </summary>
internal static class TemporalConnection
{
    /// <summary>The embedded server's address, as <c>temporal server start-dev</c>'s.</summary>
    public const string DefaultAddress = "127.0.0.1:7233";

    /// <summary>The default namespace.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>The file, inside the data dir, that holds the pid of an embedded server ddctl started.</summary>
    public const string ServerPidFile = "server.pid";

    /// <summary>The variables the connection reads (as the temporal CLI and the SDK's environment configuration do); docker-compose.temporal.yml sets them for the worker.</summary>
    public static readonly IReadOnlyList<string> EnvironmentVariables =
    [
        "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_TLS", "TEMPORAL_TLS_CLIENT_CERT_PATH",
        "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME", "TEMPORAL_PROFILE", "TEMPORAL_CONFIG_FILE",
    ];

    /// <summary>How long to wait for an embedded server started here to accept connections.</summary>
    private static readonly TimeSpan ServerStartDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Resolves where to connect: flags, then the temporal CLI's variables and config file, then the embedded server.</summary>
    /// <returns>The connect options and whether the address was the default one (no flag, variable or profile gave it).</returns>
    public static (TemporalClientConnectOptions Options, bool DefaultServer) Resolve(ParseResult parse, ConnectionOptions o, string identity)
    {
        ClientEnvConfig.Profile profile;
        try
        {
            profile = ClientEnvConfig.Profile.Load(new ClientEnvConfig.ProfileLoadOptions());
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
        {
            throw CliException.BadInput($"the Temporal client configuration (temporal.toml or TEMPORAL_* variables) cannot be read: {e.Message}; fix it or unset TEMPORAL_CONFIG_FILE/TEMPORAL_PROFILE.");
        }

        var fromConfig = profile.ToClientConnectionOptions();
        var address = parse.GetValue(o.Address) ?? profile.Address;
        var defaultServer = address is null;
        address ??= DefaultAddress;
        if (!IsHostPort(address))
        {
            throw CliException.BadInput($"--address '{address}' is not host:port; use e.g. --address {DefaultAddress} or --address my-temporal.example.com:7233.");
        }

        var options = new TemporalClientConnectOptions(address)
        {
            Namespace = parse.GetValue(o.Namespace) ?? profile.Namespace ?? DefaultNamespace,
            DataConverter = Workflows.DeliveryDataConverter.Instance,
            ApiKey = parse.GetValue(o.ApiKey) ?? profile.ApiKey,
            Tls = fromConfig.Tls,
            RpcMetadata = fromConfig.RpcMetadata,
            Identity = identity,
        };
        if (string.IsNullOrWhiteSpace(options.Namespace))
        {
            throw CliException.BadInput("--namespace must not be empty; use e.g. --namespace default.");
        }

        var cert = parse.GetValue(o.TlsCertPath);
        var key = parse.GetValue(o.TlsKeyPath);
        var ca = parse.GetValue(o.TlsCaPath);
        var serverName = parse.GetValue(o.TlsServerName);
        if ((cert is null) != (key is null))
        {
            throw CliException.BadInput("--tls-cert-path and --tls-key-path go together (mTLS needs both); pass both or neither.");
        }

        if (parse.GetValue(o.Tls) || cert is not null || ca is not null || serverName is not null)
        {
            options.Tls = new TlsOptions
            {
                ClientCert = cert is null ? options.Tls?.ClientCert : ReadPem(cert, "--tls-cert-path"),
                ClientPrivateKey = key is null ? options.Tls?.ClientPrivateKey : ReadPem(key, "--tls-key-path"),
                ServerRootCACert = ca is null ? options.Tls?.ServerRootCACert : ReadPem(ca, "--tls-ca-path"),
                Domain = serverName ?? options.Tls?.Domain,
            };
        }

        if (options.ApiKey is not null && options.Tls is null)
        {
            // As the temporal CLI: an API key is only sent over TLS (Temporal Cloud).
            options.Tls = new TlsOptions();
        }

        return (options, defaultServer);
    }

    /// <summary>
    /// Connects with the command's connection options. When no address was given and nothing listens on
    /// <see cref="DefaultAddress"/>, starts the embedded server in the background (database in
    /// <paramref name="dataDir"/>), says so on stderr, and connects to it.
    /// </summary>
    /// <exception cref="CliException">Exit 3 when the server cannot be reached or refuses the connection.</exception>
    public static async Task<TemporalClient> ConnectAsync(ParseResult parse, ConnectionOptions o, string dataDir, CancellationToken cancellationToken = default)
    {
        var (options, defaultServer) = Resolve(parse, o, $"ddctl:{Environment.UserName}@{Environment.MachineName}");
        if (defaultServer && !await AcceptsAsync(DefaultAddress, cancellationToken).ConfigureAwait(false))
        {
            await StartEmbeddedServerAsync(dataDir, cancellationToken).ConfigureAwait(false);
        }

        return await ConnectAsync(options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Connects with resolved options; exit 3 with the address and what to check when it fails.</summary>
    public static async Task<TemporalClient> ConnectAsync(TemporalClientConnectOptions options, CancellationToken cancellationToken = default)
    {
        try
        {
            return await TemporalClient.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or Temporalio.Exceptions.RpcException)
        {
            throw new CliException(
                ExitCodes.StoreProblem,
                $"cannot connect to Temporal at {options.TargetHost} (namespace {options.Namespace}): {FirstLine(e.Message)}; check --address, --namespace and the TLS/API-key settings, or start the embedded server: ddctl server start-dev.");
        }
    }

    /// <summary>Whether something accepts TCP connections at <paramref name="address"/> (host:port).</summary>
    public static async Task<bool> AcceptsAsync(string address, CancellationToken cancellationToken)
    {
        var colon = address.LastIndexOf(':');
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts <c>ddctl server start-dev</c> on <see cref="DefaultAddress"/> as a background process of its own session
    /// (it outlives this command and Ctrl+C in this terminal), logging to <c>&lt;data-dir&gt;/logs/server.log</c>, and
    /// waits until it accepts connections.
    /// </summary>
    public static async Task StartEmbeddedServerAsync(string dataDir, CancellationToken cancellationToken)
    {
        var fullDataDir = Path.GetFullPath(dataDir);
        if (File.Exists(fullDataDir))
        {
            throw CliException.BadInput($"--data-dir '{fullDataDir}' is a file, not a directory; pass a directory (the embedded server keeps its database there).");
        }

        var logs = Path.Combine(fullDataDir, "logs");
        Directory.CreateDirectory(logs);
        var database = Path.Combine(fullDataDir, Server.ServerCommands.DatabaseFile);
        var log = Path.Combine(logs, "server.log");
        var pidFile = Path.Combine(fullDataDir, ServerPidFile);
        var colon = DefaultAddress.LastIndexOf(':');
        var self = SelfCommand();
        var command = string.Join(' ', self.Select(Quote)) + " server start-dev"
            + $" --ip {DefaultAddress[..colon]} --port {DefaultAddress[(colon + 1)..]} --db-filename {Quote(database)}";

        // sh puts the server in the background with its own session (setsid) and its output in the log, so that it
        // holds none of this command's pipes, and prints its pid.
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"if command -v setsid >/dev/null 2>&1; then s=setsid; else s=; fi; $s {command} >>{Quote(log)} 2>&1 </dev/null & echo $!" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var sh = Process.Start(start) ?? throw new CliException(ExitCodes.StoreProblem, "cannot start the embedded Temporal server: /bin/sh did not start.");
        var pidText = (await sh.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
        await sh.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(pidFile, pidText + "\n", cancellationToken).ConfigureAwait(false);
        await Console.Error.WriteLineAsync(
            $"no Temporal server at {DefaultAddress}: starting the embedded one in the background (pid {pidText}, database {database}, log {log}); it stays up for the next commands; stop it with: ddctl server stop").ConfigureAwait(false);

        var watch = Stopwatch.StartNew();
        while (!await AcceptsAsync(DefaultAddress, cancellationToken).ConfigureAwait(false))
        {
            if (int.TryParse(pidText, out var pid) && !IsAlive(pid))
            {
                throw new CliException(ExitCodes.StoreProblem, $"the embedded Temporal server exited at start-up; see {log} (last line: {LastLine(log)}).");
            }

            if (watch.Elapsed > ServerStartDeadline)
            {
                throw new CliException(ExitCodes.StoreProblem, $"the embedded Temporal server (pid {pidText}) did not accept connections on {DefaultAddress} within {ServerStartDeadline.TotalSeconds:0} s; see {log}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The command line that runs this ddctl again: the apphost, or <c>dotnet ddctl.dll</c>.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? "ddctl";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, Path.Combine(AppContext.BaseDirectory, "ddctl.dll")]
            : [process];
    }

    /// <summary>Whether a process with that id runs (signal 0).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string LastLine(string path)
    {
        try
        {
            return File.ReadLines(path).LastOrDefault(l => l.Length > 0) ?? "(empty)";
        }
        catch (IOException)
        {
            return "(unreadable)";
        }
    }

    private static bool IsHostPort(string address)
    {
        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536;
    }

    private static byte[] ReadPem(string path, string option)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.BadInput($"{option} '{path}' cannot be read: {e.Message}");
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
