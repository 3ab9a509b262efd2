using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using Spectre.Console;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow describe</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Describe()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var command = new Command(
            "describe",
            "Show a run's status, result or failure, pending activities (attempts, last failure) and the last workflow task failure (why a run is stuck).\n"
            + "Example: ddctl workflow describe -w approval/pr-42")
        { id, runId };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, _) =>
        {
            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var d = await client.GetWorkflowHandle(parse.GetValue(id)!, parse.GetValue(runId)).DescribeAsync();
            if (parse.IsJson(output))
            {
                Output.Json(DescriptionJson(d));
                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            void Row(string key, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    grid.AddRow($"[bold]{key}[/]", Markup.Escape(value));
                }
            }

            Row("Workflow id", d.WorkflowId);
            Row("Run id", d.RunId);
            Row("Type", d.WorkflowType);
            Row("Task queue", d.TaskQueue);
            grid.AddRow("[bold]Status[/]", StatusMarkup(d.Status));
            Row("Started", Output.Time(d.StartTime));
            Row("Closed", Output.Time(d.CloseTime));
            Row("History", $"{d.HistoryLength} events, {d.HistorySizeBytes:N0} bytes");
            Row("Owner", d.Owner);
            Row("Parent", d.ParentWorkflowId);
            Row("Continued from", d.ContinuedFromRunId);
            Row("Continued as", d.ContinuedAsNewRunId);
            Row("Result", d.ResultJson is null ? null : Output.Cell(d.ResultJson, 400));
            Row("Failure", d.Failure?.ToString());
            if (d.LastWorkflowTaskFailure is { } taskFailure)
            {
                grid.AddRow("[bold red]Stuck[/]", Markup.Escape($"workflow task failed {d.WorkflowTaskAttempts} time(s) in a row: {taskFailure}; the run retries until the code is fixed."));
            }

            Output.Table.Write(grid);
            if (d.PendingActivities.Count > 0)
            {
                var table = new Table().Title("Pending activities").AddColumns("Id", "Type", "State", "Attempt", "Last failure", "Last heartbeat", "Worker");
                foreach (var a in d.PendingActivities)
                {
                    table.AddRow(
                        a.ActivityId, Markup.Escape(a.ActivityType), a.State, a.Attempt.ToString(CultureInfo.InvariantCulture), Markup.Escape(a.LastFailure?.ToString() ?? string.Empty),
                        Output.Time(a.LastHeartbeat), Markup.Escape(a.Worker ?? string.Empty));
                }

                Output.Table.Write(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The description as JSON, with the result nested as JSON rather than as an escaped string.</summary>
    private static JsonNode DescriptionJson(WorkflowExecutionDescription d)
    {
        var node = Output.ToNode(d)!.AsObject();
        node.Remove("resultJson");
        node["result"] = Output.Payload(d.ResultJson);
        node["stuck"] = d.LastWorkflowTaskFailure is not null;
        return node;
    }
}
