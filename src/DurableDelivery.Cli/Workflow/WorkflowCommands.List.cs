using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Spectre.Console;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow list</c>.</content>
internal static partial class WorkflowCommands
{
    private static readonly string[] Statuses =
    [
        nameof(WorkflowExecutionStatus.Running), nameof(WorkflowExecutionStatus.Completed), nameof(WorkflowExecutionStatus.Failed),
        nameof(WorkflowExecutionStatus.Canceled), nameof(WorkflowExecutionStatus.Terminated), nameof(WorkflowExecutionStatus.ContinuedAsNew),
        nameof(WorkflowExecutionStatus.TimedOut),
    ];

    private static Command List()
    {
        var query = new Option<string?>("--query", "-q")
        {
            Description = "Temporal visibility query, e.g. \"WorkflowType = 'ApprovalWorkflow' AND ExecutionStatus = 'Running'\" "
                + "(fields: WorkflowId, WorkflowType, ExecutionStatus, TaskQueue, StartTime, CloseTime, ...; operators: = != < > IN BETWEEN STARTS_WITH). Default: every run.",
            HelpName = "query",
        };
        var status = new Option<string?>("--status", "-s")
        {
            Description = "Shorthand for ExecutionStatus = '<status>' (ANDed with --query): " + string.Join(", ", Statuses) + ".",
            HelpName = "status",
        }.AcceptOnlyFromAmong(Statuses);
        var type = new Option<string?>("--type") { Description = "Shorthand for WorkflowType = '<type>' (ANDed with --query).", HelpName = "type" };
        var prefix = new Option<string?>("--prefix") { Description = "Shorthand for WorkflowId STARTS_WITH '<prefix>' (ANDed with --query); ids are hierarchical: delivery/prod/.", HelpName = "id-prefix" };
        var limit = new Option<int>("--limit") { Description = "Most runs to list, newest first.", HelpName = "n", DefaultValueFactory = _ => 100 };
        var command = new Command(
            "list",
            "List workflow runs, newest first, as 'temporal workflow list'.\n"
            + "Example: ddctl workflow list -q \"WorkflowType = 'ApprovalWorkflow' AND ExecutionStatus = 'Running'\" --output json")
        {
            query, status, type, prefix, limit,
        };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var max = parse.GetValue(limit);
            if (max is < 1 or > 10_000)
            {
                throw CliException.BadInput($"--limit must be between 1 and 10000, got {max}.");
            }

            var visibility = VisibilityQuery(parse.GetValue(query), parse.GetValue(status), parse.GetValue(type), parse.GetValue(prefix));
            var client = await shared.ConnectAsync(parse, ct);
            var runs = new List<WorkflowExecution>();
            await foreach (var run in client.ListWorkflowsAsync(visibility, new WorkflowListOptions { Limit = max, Rpc = Rpc(ct) }).WithCancellation(ct))
            {
                runs.Add(run);
            }

            if (parse.IsJson(shared.Output))
            {
                Output.Json(new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
                {
                    ["workflowId"] = r.Id,
                    ["runId"] = r.RunId,
                    ["workflowType"] = r.WorkflowType,
                    ["taskQueue"] = r.TaskQueue,
                    ["status"] = r.Status.ToString(),
                    ["startTime"] = RawJson.Time(r.StartTime),
                    ["closeTime"] = RawJson.Time(r.CloseTime),
                    ["historyLength"] = r.HistoryLength,
                })]));
                return ExitCodes.Ok;
            }

            if (runs.Count == 0)
            {
                Output.Line($"No workflows{(visibility.Length == 0 ? string.Empty : $" match {visibility}")} in namespace {client.Options.Namespace}.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Workflow id", "Run id", "Type", "Task queue", "Status", "Started", "Closed", "Events");
            foreach (var r in runs)
            {
                table.AddRow(
                    Markup.Escape(r.Id), Markup.Escape(r.RunId), Markup.Escape(r.WorkflowType), Markup.Escape(r.TaskQueue), StatusMarkup(r.Status),
                    RawJson.TimeCell(r.StartTime), RawJson.TimeCell(r.CloseTime), r.HistoryLength.ToString(CultureInfo.InvariantCulture));
            }

            Output.Table.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The visibility query: --query, ANDed with the shorthands' conditions.</summary>
    private static string VisibilityQuery(string? query, string? status, string? type, string? prefix)
    {
        var conditions = new List<string>();
        if (status is not null)
        {
            conditions.Add($"ExecutionStatus = {Literal(status)}");
        }

        if (type is not null)
        {
            conditions.Add($"WorkflowType = {Literal(type)}");
        }

        if (prefix is not null)
        {
            conditions.Add($"WorkflowId STARTS_WITH {Literal(prefix)}");
        }

        if (conditions.Count == 0)
        {
            return query?.Trim() ?? string.Empty;
        }

        if (!string.IsNullOrWhiteSpace(query))
        {
            conditions.Insert(0, $"({query.Trim()})");
        }

        return string.Join(" AND ", conditions);
    }

    /// <summary>A string literal of the visibility query language (single quotes, a quote inside doubled).</summary>
    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
