using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using Spectre.Console;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow list</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command List()
    {
        var status = new Option<WorkflowExecutionStatus?>("--status", "-s")
        {
            Description = "Keep runs with this status: Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut.",
            HelpName = "status",
        };
        var type = new Option<string?>("--type", "-t") { Description = "Keep runs of this workflow type.", HelpName = "type" };
        var prefix = new Option<string?>("--prefix") { Description = "Keep workflow ids that start with this prefix (ids are hierarchical: delivery/prod/).", HelpName = "id-prefix" };
        var limit = new Option<int>("--limit") { Description = "Most runs to list, newest first.", HelpName = "n", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "List workflow runs, newest first.\nExample: ddctl workflow list --status Running --output json") { status, type, prefix, limit };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) is < 1 or > 10_000)
            {
                throw CliException.BadInput($"--limit must be between 1 and 10000, got {parse.GetValue(limit)}.");
            }

            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var filter = new WorkflowListFilter { Status = parse.GetValue(status), WorkflowType = parse.GetValue(type), WorkflowIdPrefix = parse.GetValue(prefix), Limit = parse.GetValue(limit) };
            var runs = new List<WorkflowExecution>();
            await foreach (var run in client.ListWorkflowsAsync(filter, ct))
            {
                runs.Add(run);
            }

            if (parse.IsJson(output))
            {
                Output.Json(new JsonArray([.. runs.Select(r => Output.ToNode(r))]));
                return ExitCodes.Ok;
            }

            if (runs.Count == 0)
            {
                Output.Line($"No workflows in {client.StoreLocation}.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Workflow id", "Run id", "Type", "Task queue", "Status", "Started", "Closed", "Events");
            foreach (var r in runs)
            {
                table.AddRow(
                    Markup.Escape(r.WorkflowId), r.RunId, Markup.Escape(r.WorkflowType), Markup.Escape(r.TaskQueue), StatusMarkup(r.Status), Output.Time(r.StartTime), Output.Time(r.CloseTime),
                    r.HistoryLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            Output.Table.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string StatusMarkup(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "[blue]Running[/]",
        WorkflowExecutionStatus.Completed => "[green]Completed[/]",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        _ => $"[red]{status}[/]",
    };
}
