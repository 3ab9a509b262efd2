using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow start</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Start()
    {
        var type = new Option<string>("--type") { Description = "Workflow type, e.g. ApprovalWorkflow.", HelpName = "type", Required = true };
        var id = new Option<string?>("--workflow-id", "-w")
        {
            Description = "Workflow id: stable and meaningful (Temporal refuses a second open run with the same id). Default: <type>-<random>.",
            HelpName = "id",
        };
        var taskQueue = TaskQueue("Task queue a worker polls (ddctl worker run --task-queue).");
        var input = CliOptions.Input();
        var inputArray = CliOptions.InputArray();
        var reuse = new Option<string>("--id-reuse-policy")
        {
            Description = "When a CLOSED run has this id: AllowDuplicate, AllowDuplicateFailedOnly, RejectDuplicate.",
            HelpName = "policy",
            DefaultValueFactory = _ => nameof(WorkflowIdReusePolicy.AllowDuplicate),
        }.AcceptOnlyFromAmong(nameof(WorkflowIdReusePolicy.AllowDuplicate), nameof(WorkflowIdReusePolicy.AllowDuplicateFailedOnly), nameof(WorkflowIdReusePolicy.RejectDuplicate));
        var conflict = new Option<string>("--id-conflict-policy")
        {
            Description = "When an OPEN run has this id: Fail (exit 1), UseExisting (print that run), TerminateExisting.",
            HelpName = "policy",
            DefaultValueFactory = _ => nameof(WorkflowIdConflictPolicy.Fail),
        }.AcceptOnlyFromAmong(nameof(WorkflowIdConflictPolicy.Fail), nameof(WorkflowIdConflictPolicy.UseExisting), nameof(WorkflowIdConflictPolicy.TerminateExisting));
        var wait = new Option<bool>("--wait")
        {
            Description = "Wait for the workflow to close and print its result, as 'ddctl workflow result' (exit 4 if it fails, is canceled, terminated or times out).",
        };
        var command = new Command(
            "start",
            "Start a workflow. Each --input is one argument of its run method, as JSON; arguments are checked against the workflow type before anything is sent.\n"
            + "Example: ddctl workflow start --type ApprovalWorkflow -w approval/pr-42 -t default --input '{\"change\":\"pr-42\",\"bakeSeconds\":5}'")
        {
            type, id, taskQueue, input, inputArray, reuse, conflict, wait,
        };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var typeName = parse.GetValue(type)!;
            var args = JsonArgs.From(parse.GetValue(input), parse.GetValue(inputArray));
            var shape = WorkflowCatalog.Default.Require(typeName);
            WorkflowCatalog.CheckArgs(shape.Run, args.ArrayJson, $"workflow '{typeName}'");
            var workflowId = parse.GetValue(id) is { Length: > 0 } given ? given : $"{typeName}-{Guid.NewGuid():N}";
            var queue = parse.GetValue(taskQueue) is { Length: > 0 } q && !string.IsNullOrWhiteSpace(q)
                ? q
                : throw CliException.BadInput("--task-queue must not be empty; use e.g. --task-queue default.");

            var client = await shared.ConnectAsync(parse, ct);
            WorkflowHandle handle;
            try
            {
                handle = await client.StartWorkflowAsync(typeName, args.Values, new WorkflowOptions(workflowId, queue)
                {
                    IdReusePolicy = Enum.Parse<WorkflowIdReusePolicy>(parse.GetValue(reuse)!),
                    IdConflictPolicy = Enum.Parse<WorkflowIdConflictPolicy>(parse.GetValue(conflict)!),
                    Rpc = Rpc(ct),
                });
            }
            catch (WorkflowAlreadyStartedException e)
            {
                var existing = await DescribeRunAsync(client, workflowId, e.RunId, ct);
                throw CliException.BadInput(existing.Status == WorkflowExecutionStatus.Running
                    ? $"workflow {workflowId} is already running (run {e.RunId}); pick another --workflow-id, or see it with: ddctl workflow describe -w {workflowId}."
                    : $"workflow {workflowId} already ran (run {e.RunId}, {existing.Status}) and --id-reuse-policy {parse.GetValue(reuse)} refuses another run with that id; pick another --workflow-id or another --id-reuse-policy.");
            }

            var runId = handle.RunId ?? handle.ResultRunId ?? string.Empty;
            var json = new JsonObject { ["workflowId"] = handle.Id, ["runId"] = runId, ["workflowType"] = typeName, ["taskQueue"] = queue };
            if (!parse.IsJson(shared.Output))
            {
                Output.Line($"Started workflow '{handle.Id}' (type {typeName}, task queue {queue}), run {runId}.");
            }

            if (parse.GetValue(wait))
            {
                var (lastRunId, result) = await AwaitResultAsync(client, handle.Id, runId, ct);
                json["status"] = nameof(WorkflowExecutionStatus.Completed);
                json["result"] = result;
                if (lastRunId != runId)
                {
                    json["lastRunId"] = lastRunId;
                }

                if (!parse.IsJson(shared.Output))
                {
                    Output.Line($"Completed{(lastRunId == runId ? string.Empty : $" (run {lastRunId})")}. Result:");
                    Output.Json(result);
                }
            }

            if (parse.IsJson(shared.Output))
            {
                Output.Json(json);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
