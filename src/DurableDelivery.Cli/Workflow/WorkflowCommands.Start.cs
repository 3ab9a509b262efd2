using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow start</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Start()
    {
        var type = new Option<string>("--type", "-t") { Description = "Workflow type, e.g. ApprovalWorkflow.", HelpName = "type", Required = true };
        var id = new Option<string?>("--workflow-id", "-w") { Description = "Workflow id: stable and meaningful (it is the start's idempotency key). Default: <type>-<random>.", HelpName = "id" };
        var taskQueue = CliOptions.TaskQueue("Task queue a worker serves.");
        var input = CliOptions.Input();
        var inputArray = CliOptions.InputArray();
        var reuse = new Option<WorkflowIdReusePolicy>("--id-reuse-policy")
        {
            Description = "When a CLOSED run has this id: AllowDuplicate, AllowDuplicateFailedOnly, RejectDuplicate.",
            HelpName = "policy",
            DefaultValueFactory = _ => WorkflowIdReusePolicy.AllowDuplicate,
        };
        var conflict = new Option<WorkflowIdConflictPolicy>("--id-conflict-policy")
        {
            Description = "When an OPEN run has this id: Fail, UseExisting, TerminateExisting.",
            HelpName = "policy",
            DefaultValueFactory = _ => WorkflowIdConflictPolicy.Fail,
        };
        var wait = new Option<bool>("--wait") { Description = "Wait for the workflow to close and print its result (exit 4 if it fails, is canceled or terminated)." };
        var command = new Command(
            "start",
            "Start a workflow. Each --input is one argument of the run method.\n"
            + "Example: ddctl workflow start --type ApprovalWorkflow -w approval/pr-42 --input '{\"change\":\"pr-42\",\"bakeSeconds\":5}'")
        {
            type, id, taskQueue, input, inputArray, reuse, conflict, wait,
        };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            var typeName = parse.GetValue(type)!;
            var argsJson = JsonArgs.ToArgsJson(parse.GetValue(input), parse.GetValue(inputArray));
            var shape = WorkflowCatalog.Default.Require(typeName);
            WorkflowCatalog.CheckArgs(shape.Run, argsJson, $"workflow '{typeName}'");
            var workflowId = parse.GetValue(id) is { Length: > 0 } given ? given : $"{typeName}-{Guid.NewGuid():N}";
            var queue = parse.GetValue(taskQueue)!;

            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var handle = await client.StartWorkflowJsonAsync(
                typeName, argsJson, new WorkflowOptions(workflowId, queue) { IdReusePolicy = parse.GetValue(reuse), IdConflictPolicy = parse.GetValue(conflict) });
            var json = new JsonObject { ["workflowId"] = handle.Id, ["runId"] = handle.RunId, ["workflowType"] = typeName, ["taskQueue"] = queue };
            if (!parse.IsJson(output))
            {
                Output.Line($"Started workflow '{handle.Id}' (type {typeName}, task queue {queue}), run {handle.RunId}.");
            }

            if (parse.GetValue(wait))
            {
                var result = await handle.GetResultJsonAsync(ct);
                json["status"] = nameof(WorkflowExecutionStatus.Completed);
                json["result"] = Output.Payload(result);
                if (!parse.IsJson(output))
                {
                    Output.Line($"Completed. Result: {Output.Cell(result, 2000)}");
                }
            }

            if (parse.IsJson(output))
            {
                Output.Json(json);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
