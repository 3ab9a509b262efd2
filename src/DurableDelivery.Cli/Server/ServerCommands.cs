using System.CommandLine;
using DurableDelivery.Cli.Common;
using DurableDelivery.Server.Hosting;

namespace DurableDelivery.Cli.Server;

/// <summary>
/// <c>ddctl server start-dev</c>: the embedded Temporal server (one process, Temporal's gRPC API on SQLite), with the
/// flags of <c>temporal server start-dev</c>. The database defaults to <c>&lt;data-dir&gt;/temporal.db</c>.
/// </summary>
internal static class ServerCommands
{
    /// <summary>The database file name inside the data dir.</summary>
    public const string DatabaseFile = "temporal.db";

    public static Command Create() => CommandGroup.Create(
        "server", "Run the embedded Temporal server (a single-node Temporal server on SQLite). Exit codes: 0 ok, 1 bad input, "
        + "2 no server started by ddctl for this data dir (stop), 5 cannot listen on the port (start-dev) or did not stop in time (stop), 70 internal error.",
        StartDev(),
        Stop());

    private static Command Stop()
    {
        var dataDir = CliOptions.DataDir();
        var command = new Command(
            "stop",
            "Stop the embedded server that ddctl started in the background for this data dir (when a command found no "
            + $"server at {TemporalConnection.DefaultAddress}): SIGTERM, then wait until it has shut down. "
            + "A server started with 'ddctl server start-dev' in a terminal stops with Ctrl+C there.\n"
            + "Example: ddctl server stop --data-dir ./.durable-delivery")
        {
            dataDir,
        };
        command.Action = new CliAction(async (parse, ct) =>
        {
            var pidFile = Path.Combine(Path.GetFullPath(parse.GetValue(dataDir)!), TemporalConnection.ServerPidFile);
            if (!File.Exists(pidFile) || !int.TryParse((await File.ReadAllTextAsync(pidFile, ct)).Trim(), out var pid))
            {
                throw new CliException(ExitCodes.NotFound, $"no embedded server was started for this data dir ({pidFile} does not exist); one started with 'ddctl server start-dev' stops with Ctrl+C in its terminal.");
            }

            if (!TemporalConnection.IsAlive(pid))
            {
                File.Delete(pidFile);
                Console.Out.WriteLine($"the embedded server (pid {pid}) was not running; removed {pidFile}");
                return ExitCodes.Ok;
            }

            using var process = System.Diagnostics.Process.GetProcessById(pid);
            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(ct);
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.Unavailable, $"the embedded server (pid {pid}) did not stop within 30 s of SIGTERM; kill it with: kill -9 {pid}");
            }

            File.Delete(pidFile);
            Console.Out.WriteLine($"stopped the embedded server (pid {pid})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command StartDev()
    {
        var port = new Option<int>("--port", "-p")
        {
            Description = "gRPC port for clients and workers (as temporal server start-dev).",
            HelpName = "port",
            DefaultValueFactory = _ => 7233,
        };
        var ip = new Option<string>("--ip")
        {
            Description = "Address to listen on.",
            HelpName = "address",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var db = new Option<string?>("--db-filename", "-f")
        {
            Description = $"SQLite file for workflows and history; defaults to <data-dir>/{DatabaseFile}.",
            HelpName = "path",
        };
        var ns = new Option<string[]>("--namespace", "-n")
        {
            Description = "Another namespace to create; repeatable ('default' always exists).",
            HelpName = "name",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var level = new Option<string>("--log-level")
        {
            Description = "Log level: debug (one line per RPC), info, warn, error.",
            HelpName = "level",
            DefaultValueFactory = _ => "info",
        }.AcceptOnlyFromAmong("debug", "info", "warn", "error");
        var format = new Option<string>("--log-format")
        {
            Description = "Log format: text (or pretty) or json, as temporal server start-dev.",
            HelpName = "format",
            DefaultValueFactory = _ => "text",
        }.AcceptOnlyFromAmong("text", "pretty", "json");
        var headless = new Option<bool>("--headless") { Description = "Accepted for scripts written for temporal server start-dev; this server has no web UI, so it is always headless." };
        var uiPort = new Option<int?>("--ui-port") { Description = "Accepted and ignored, as --headless: there is no web UI (run Temporal UI against the address, see docs/production.md).", HelpName = "port" };
        var dataDir = CliOptions.DataDir();
        var command = new Command(
            "start-dev",
            "Start the embedded Temporal server in the foreground until Ctrl+C or SIGTERM. Point Temporal clients, "
            + "workers, ddctl (--address) or the temporal CLI at the address it prints.\n"
            + "Example: ddctl server start-dev --port 7233 --namespace deliveries")
        {
            port, ip, db, ns, level, format, headless, uiPort, dataDir,
        };
        command.Action = new CliAction(async (parse, ct) =>
        {
            var args = new List<string>
            {
                "server", "start-dev",
                "--port", parse.GetValue(port).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--ip", parse.GetValue(ip)!,
                "--db-filename", parse.GetValue(db) ?? Path.Combine(Path.GetFullPath(parse.GetValue(dataDir)!), DatabaseFile),
                "--log-level", parse.GetValue(level)!,
                "--log-format", parse.GetValue(format)!,
            };
            foreach (var name in parse.GetValue(ns) ?? [])
            {
                args.Add("--namespace");
                args.Add(name);
            }

            var code = await ServerMain.RunAsync(args).ConfigureAwait(false);
            return code switch
            {
                0 => ExitCodes.Ok,
                2 => ExitCodes.BadInput,
                _ => ExitCodes.Unavailable,
            };
        });
        return command;
    }
}
