using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Spectre.Console;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

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
            "Show a run: status, type, task queue, start and close times, history length, result or failure, pending activities (attempts, last failure) "
            + "and, when its workflow task keeps failing, the last failure (why a run is stuck).\n"
            + "Example: ddctl workflow describe -w approval/pr-42")
        { id, runId };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var client = await shared.ConnectAsync(parse, ct);
            var d = await DescribeRunAsync(client, parse.GetValue(id)!, parse.GetValue(runId), ct);
            var json = await DescriptionJsonAsync(client, d, ct);
            if (parse.IsJson(shared.Output))
            {
                Output.Json(json);
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

            var raw = d.Raw;
            var info = d.Info;
            Row("Workflow id", d.Id);
            Row("Run id", d.RunId);
            Row("Type", d.WorkflowType);
            Row("Task queue", d.TaskQueue);
            grid.AddRow("[bold]Status[/]", StatusMarkup(d.Status));
            Row("Started", RawJson.TimeCell(info.StartTime));
            Row("Closed", RawJson.TimeCell(info.CloseTime));
            Row("History", $"{info.HistoryLength.ToString(CultureInfo.InvariantCulture)} events, {info.HistorySizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes");
            Row("Parent", info.ParentExecution is { } parent ? $"{parent.WorkflowId} (run {parent.RunId})" : null);
            Row("Continued as", json["continuedAsNewRunId"]?.GetValue<string>());
            Row("Result", json["result"] is { } result ? RawJson.Cell(result, 400) : null);
            Row("Failure", json["failure"] is JsonObject failure ? FailureCell(failure) : null);
            if (json["stuck"]!.GetValue<bool>())
            {
                grid.AddRow("[bold red]Stuck[/]", Markup.Escape(
                    $"workflow task attempt {raw.PendingWorkflowTask.Attempt}; last failure: {json["lastWorkflowTaskFailure"]?.GetValue<string>() ?? "(timed out)"}; the run retries until the code is fixed or a worker answers."));
            }

            Output.Table.Write(grid);
            if (raw.PendingActivities.Count > 0)
            {
                var table = new Table().Title("Pending activities").AddColumns("Id", "Type", "State", "Attempt", "Last failure", "Last heartbeat", "Worker");
                foreach (var a in raw.PendingActivities)
                {
                    table.AddRow(
                        Markup.Escape(a.ActivityId),
                        Markup.Escape(a.ActivityType?.Name ?? string.Empty),
                        a.State.ToString(),
                        a.Attempt.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(a.LastFailure is null ? string.Empty : RawJson.FailureText(a.LastFailure)),
                        RawJson.TimeCell(a.LastHeartbeatTime),
                        Markup.Escape(a.LastWorkerIdentity ?? string.Empty));
                }

                Output.Table.Write(table);
            }

            if (raw.PendingChildren.Count > 0)
            {
                var table = new Table().Title("Pending child workflows").AddColumns("Workflow id", "Run id", "Type");
                foreach (var c in raw.PendingChildren)
                {
                    table.AddRow(Markup.Escape(c.WorkflowId), Markup.Escape(c.RunId), Markup.Escape(c.WorkflowTypeName));
                }

                Output.Table.Write(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The description as JSON: the run, how it ended (result or failure, from its close event), whether it is stuck, and its pending work.</summary>
    private static async Task<JsonObject> DescriptionJsonAsync(ITemporalClient client, Run d, CancellationToken ct)
    {
        var raw = d.Raw;
        var info = d.Info;
        var close = d.Status == WorkflowExecutionStatus.Running ? null : await CloseEventAsync(client, d.Id, d.RunId, wait: false, ct);
        var (result, failure, nextRunId) = CloseJson(close);
        var stuck = raw.PendingWorkflowTask is { Attempt: > 1 };
        return new JsonObject
        {
            ["workflowId"] = d.Id,
            ["runId"] = d.RunId,
            ["workflowType"] = d.WorkflowType,
            ["taskQueue"] = d.TaskQueue,
            ["status"] = d.Status.ToString(),
            ["startTime"] = RawJson.Time(info.StartTime),
            ["executionTime"] = RawJson.Time(info.ExecutionTime),
            ["closeTime"] = RawJson.Time(info.CloseTime),
            ["historyLength"] = info.HistoryLength,
            ["historySizeBytes"] = info.HistorySizeBytes,
            ["parentWorkflowId"] = info.ParentExecution?.WorkflowId,
            ["parentRunId"] = info.ParentExecution?.RunId,
            ["continuedAsNewRunId"] = nextRunId,
            ["result"] = result,
            ["failure"] = failure,
            ["stuck"] = stuck,
            ["workflowTaskAttempt"] = raw.PendingWorkflowTask?.Attempt,
            ["lastWorkflowTaskFailure"] = stuck ? await LastWorkflowTaskFailureAsync(client, d, ct) : null,
            ["pendingActivities"] = new JsonArray([.. raw.PendingActivities.Select(a => (JsonNode)new JsonObject
            {
                ["activityId"] = a.ActivityId,
                ["activityType"] = a.ActivityType?.Name,
                ["state"] = a.State.ToString(),
                ["attempt"] = a.Attempt,
                ["maximumAttempts"] = a.MaximumAttempts,
                ["scheduledTime"] = RawJson.Time(a.ScheduledTime),
                ["lastStartedTime"] = RawJson.Time(a.LastStartedTime),
                ["lastHeartbeatTime"] = RawJson.Time(a.LastHeartbeatTime),
                ["lastFailure"] = RawJson.Failure(a.LastFailure),
                ["lastWorkerIdentity"] = a.LastWorkerIdentity is { Length: > 0 } who ? who : null,
            })]),
            ["pendingChildren"] = new JsonArray([.. raw.PendingChildren.Select(c => (JsonNode)new JsonObject
            {
                ["workflowId"] = c.WorkflowId,
                ["runId"] = c.RunId is { Length: > 0 } r ? r : null,
                ["workflowType"] = c.WorkflowTypeName,
            })]),
        };
    }

    /// <summary>Why the workflow task keeps failing: the newest WorkflowTaskFailed event since the last completed task (null when it timed out instead).</summary>
    private static async Task<string?> LastWorkflowTaskFailureAsync(ITemporalClient client, Run d, CancellationToken ct)
    {
        var page = await client.WorkflowService.GetWorkflowExecutionHistoryReverseAsync(
            new GetWorkflowExecutionHistoryReverseRequest
            {
                Namespace = client.Options.Namespace,
                Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = d.Id, RunId = d.RunId },
                MaximumPageSize = 200,
            },
            Rpc(ct));
        foreach (var e in page.History?.Events ?? [])
        {
            switch (e.AttributesCase)
            {
                case HistoryEvent.AttributesOneofCase.WorkflowTaskFailedEventAttributes:
                    var failed = e.WorkflowTaskFailedEventAttributes;
                    return $"{failed.Cause}: {RawJson.FailureText(failed.Failure)}";
                case HistoryEvent.AttributesOneofCase.WorkflowTaskTimedOutEventAttributes:
                    return $"workflow task timed out ({e.WorkflowTaskTimedOutEventAttributes.TimeoutType}); is a worker polling task queue '{d.TaskQueue}'?";
                case HistoryEvent.AttributesOneofCase.WorkflowTaskCompletedEventAttributes:
                    return null;
            }
        }

        return null;
    }

    private static string FailureCell(JsonObject failure)
    {
        var parts = new List<string>();
        for (var f = failure; f is not null; f = f["cause"] as JsonObject)
        {
            parts.Add($"{f["message"]?.GetValue<string>()} ({f["type"]?.GetValue<string>()})");
        }

        return string.Join(": ", parts);
    }
}
