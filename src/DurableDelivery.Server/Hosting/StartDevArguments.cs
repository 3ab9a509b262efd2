using System.Globalization;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Server.Hosting;

/// <summary>
/// The command line of <c>dd-temporal-server</c>: <c>server start-dev</c> with the temporal CLI's flags (so the SDK's
/// <c>DevServerOptions.ExistingPath</c> can launch it), or <c>&lt;port&gt;</c> alone as Temporal's test server (time
/// skipping, started locked).
/// </summary>
public sealed record StartDevArguments
{
    /// <summary>The server options.</summary>
    public required TemporalServerOptions Options { get; init; }

    /// <summary>The minimum log level.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>Log as JSON lines instead of text.</summary>
    public bool JsonLogs { get; init; }

    /// <summary>Set when --help was asked.</summary>
    public bool Help { get; init; }

    /// <summary>Dynamic config values given (accepted, not interpreted).</summary>
    public IReadOnlyList<string> DynamicConfig { get; init; } = [];

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage:
          dd-temporal-server server start-dev [flags]   a single-node Temporal server on SQLite (as 'temporal server start-dev')
          dd-temporal-server <port> [--enable-time-skipping]
                                                        Temporal's test server: time skipping, on 127.0.0.1:<port>

        Flags of server start-dev (the temporal CLI's names):
          -p, --port <port>              gRPC port (default 7233)
              --ip <address>             address to listen on (default 127.0.0.1)
          -f, --db-filename <path>       SQLite file (default: a temporary file, deleted at exit)
          -n, --namespace <name>         another namespace to create; repeatable ('default' always exists)
              --log-level <level>        debug, info, warn, error (default info)
              --log-format <format>      text|pretty or json (default text)
              --time-skipping            serve the test service and skip time when nothing is outstanding
              --dynamic-config-value k=v accepted and ignored (the SDK passes some)
              --headless, --ui-port, --ui-ip, --http-port, --metrics-port
                                         accepted for compatibility; this server has no UI of its own
          -h, --help                     this text
        """;

    /// <summary>Parses a command line.</summary>
    /// <exception cref="FormatException">The message names the bad argument and the fix.</exception>
    public static StartDevArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            return new StartDevArguments { Options = new TemporalServerOptions(), Help = true };
        }

        if (int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var testPort))
        {
            var unlocked = args.Skip(1).Contains("--enable-time-skipping");
            foreach (var extra in args.Skip(1).Where(a => a != "--enable-time-skipping"))
            {
                throw new FormatException($"unknown test-server argument '{extra}'; only --enable-time-skipping is known");
            }

            return new StartDevArguments
            {
                Options = new TemporalServerOptions { Port = testPort, TimeSkipping = true, StartLocked = !unlocked },
                LogLevel = LogLevel.Warning,
            };
        }

        if (args.Count < 2 || args[0] != "server" || args[1] != "start-dev")
        {
            throw new FormatException(
                $"unknown command '{string.Join(' ', args.Take(2))}'; use 'server start-dev [flags]' or '<port>' (see --help)");
        }

        var options = new TemporalServerOptions();
        var namespaces = new List<string>();
        var dynamic = new List<string>();
        var level = LogLevel.Information;
        var json = false;
        var help = false;
        for (var i = 2; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"{arg} needs a value");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "-p" or "--port":
                    options = options with { Port = ParsePort(arg, Value()) };
                    break;
                case "--ip":
                    options = options with { Ip = Value() };
                    break;
                case "-f" or "--db-filename":
                    options = options with { DatabasePath = Value() };
                    break;
                case "-n" or "--namespace":
                    namespaces.Add(Value());
                    break;
                case "--log-level":
                    level = ParseLevel(Value());
                    break;
                case "--log-format":
                    var format = Value();
                    json = format switch
                    {
                        "json" => true,
                        "text" or "pretty" => false,
                        _ => throw new FormatException($"--log-format '{format}' is not known; use text, pretty or json"),
                    };
                    break;
                case "--time-skipping":
                    options = options with { TimeSkipping = true };
                    break;
                case "--dynamic-config-value":
                    dynamic.Add(Value());
                    break;
                case "--headless":
                    break;
                case "--ui-port" or "--ui-ip" or "--http-port" or "--metrics-port" or "--ui-public-path"
                    or "--ui-asset-path" or "--ui-codec-endpoint" or "--sqlite-pragma" or "--config" or "--env":
                    Value();
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    throw new FormatException($"unknown flag '{arg}' for server start-dev (see --help)");
            }
        }

        return new StartDevArguments
        {
            Options = options with { Namespaces = namespaces },
            LogLevel = level,
            JsonLogs = json,
            Help = help,
            DynamicConfig = dynamic,
        };
    }

    private static int ParsePort(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new FormatException($"{flag} '{value}' is not a port; use a number from 0 to 65535");

    private static LogLevel ParseLevel(string value) => value.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "never" or "none" => LogLevel.None,
        _ => throw new FormatException($"--log-level '{value}' is not known; use debug, info, warn or error"),
    };
}
