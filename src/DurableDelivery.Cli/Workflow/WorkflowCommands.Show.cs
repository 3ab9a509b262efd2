using System.CommandLine;
using System.Globalization;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.History;
using Spectre.Console;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow show</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Show()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var command = new Command(
            "show",
            "Print a run's event history. With --output json it prints the history file that WorkflowHistory.FromJson and the replayer read.\n"
            + "Example: ddctl workflow show -w approval/pr-42 --output json > approval.history.json")
        { id, runId };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, _) =>
        {
            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var history = await client.GetWorkflowHandle(parse.GetValue(id)!, parse.GetValue(runId)).FetchHistoryAsync();
            if (parse.IsJson(output))
            {
                Console.Out.WriteLine(history.ToJson());
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Id", "Time", "Type", "Details");
            foreach (var e in history.Events)
            {
                table.AddRow(e.EventId.ToString(CultureInfo.InvariantCulture), Output.Time(e.Timestamp), e.EventType.ToString(), Markup.Escape(Details(e)));
            }

            Output.Table.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Details(HistoryEvent e)
    {
        var parts = new List<string>();
        if (e.Name is not null)
        {
            parts.Add($"name={e.Name}");
        }

        if (e.ScheduledEventId is { } scheduled)
        {
            parts.Add($"scheduled=#{scheduled}");
        }

        if (e.Attempt is { } attempt)
        {
            parts.Add($"attempt={attempt}");
        }

        if (e.Duration is { } duration)
        {
            parts.Add($"duration={duration}");
        }

        if (e.TaskQueue is not null)
        {
            parts.Add($"queue={e.TaskQueue}");
        }

        if (e.Payload is not null)
        {
            parts.Add($"payload={Output.Cell(e.Payload, 80)}");
        }

        if (e.Failure is not null)
        {
            parts.Add($"failure={e.Failure}");
        }

        if (e.Details is not null)
        {
            parts.Add(e.Details);
        }

        if (e.Identity is not null)
        {
            parts.Add($"by={e.Identity}");
        }

        return string.Join("  ", parts);
    }
}
