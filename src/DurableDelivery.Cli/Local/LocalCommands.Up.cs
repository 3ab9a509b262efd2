using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers.Local;

namespace DurableDelivery.Cli.Local;

internal static partial class LocalCommands
{
    private static Command Up()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var artifacts = ArtifactsDir();
        var controlPort = new Option<int>("--control-port") { Description = "Loopback port of the control API; 0 picks a free one (written to <data-dir>/local-provider/control.json).", HelpName = "port" };
        var foreground = new Option<bool>("--foreground") { Description = "Stay attached and log to stdout until Ctrl+C (which stops listeners and instances)." };
        var command = new Command(
            "up",
            "Start the local provider on the data dir (detached by default) and return once its control API answers; it restores the listeners, weights and infra-sets it had. "
            + "Does nothing but report when one already runs.\nExample: ddctl local up --data-dir ./.durable-delivery")
        {
            dataDir, artifacts, controlPort, foreground, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            var options = new LocalProviderOptions
            {
                DataDirectory = DataDirectory(parse, dataDir),
                ArtifactsDirectory = parse.GetValue(artifacts) is { } dir ? Path.GetFullPath(dir) : null,
                ControlPort = parse.GetValue(controlPort),
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                throw CliException.BadInput(string.Join(" ", problems));
            }

            if (parse.GetValue(foreground))
            {
                if (LocalProviderProcess.FindProcessId(options.DataDirectory) is { } pid)
                {
                    throw CliException.BadInput($"A local provider (pid {pid}) already runs on data dir {options.DataDirectory}. Stop it with 'ddctl local down' first, or use another --data-dir.");
                }

                return await LocalProviderProcess.RunInForegroundAsync(options with { LogToConsole = true });
            }

            var status = await LocalProviderProcess.StartAsync(options, cancellationToken: ct);
            WriteStatus(status, parse.GetValue(output)!);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Down()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var command = new Command(
            "down",
            "Stop the local provider on the data dir: its listeners and instances stop; its state is kept for the next 'ddctl local up'. Succeeds when none runs.")
        {
            dataDir, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            var directory = DataDirectory(parse, dataDir);
            var pid = LocalProviderProcess.FindProcessId(directory);
            var stopped = await LocalProviderProcess.StopAsync(directory, cancellationToken: ct);
            if (parse.GetValue(output) == "json")
            {
                Output.Json(new JsonObject { ["stopped"] = stopped, ["processId"] = stopped ? pid : null, ["dataDirectory"] = directory });
            }
            else
            {
                Console.Out.WriteLine(stopped ? $"local provider (pid {pid}) stopped; state kept in {directory}/local-provider" : $"no local provider runs on data dir {directory}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
