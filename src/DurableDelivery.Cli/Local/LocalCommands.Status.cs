using System.CommandLine;
using System.Globalization;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers.Local;
using Spectre.Console;

namespace DurableDelivery.Cli.Local;

internal static partial class LocalCommands
{
    private static Command Status()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var command = new Command("status", "Show the running local provider: listeners with their applied weights, infra-sets with health and restarts.")
        {
            dataDir, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            using var client = new LocalInfraProvider(DataDirectory(parse, dataDir));
            WriteStatus(await client.GetStatusAsync(ct), parse.GetValue(output)!);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void WriteStatus(LocalProviderStatus status, string output)
    {
        if (output == "json")
        {
            Output.Json(Output.ToNode(status));
            return;
        }

        var console = Output.Table;
        console.WriteLine($"local provider pid {status.ProcessId}, control {status.ControlEndpoint}, data dir {status.DataDirectory}, artifacts {status.ArtifactsDirectory}");
        var listeners = new Table().AddColumns("environment", "endpoint", "revision", "weights");
        foreach (var listener in status.Listeners)
        {
            var weights = listener.Weights.Weights.Count == 0
                ? "(none)"
                : string.Join(", ", listener.Weights.Weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"));
            listeners.AddRow(
                Markup.Escape(listener.Environment),
                Markup.Escape(listener.Endpoint),
                listener.Weights.Revision.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(weights));
        }

        console.Write(listeners);
        var sets = new Table().AddColumns("infra-set", "version", "status", "instances", "restarts");
        foreach (var set in status.InfraSets)
        {
            sets.AddRow(
                Markup.Escape(set.Id),
                Markup.Escape(set.Version),
                Markup.Escape($"{set.Status}: {set.StatusMessage}"),
                Markup.Escape(string.Join(" ", set.Instances.Select(i => i.Endpoint))),
                set.Restarts.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(sets);
    }
}
