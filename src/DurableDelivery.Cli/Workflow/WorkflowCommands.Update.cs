using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Engine.Client;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow update</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Update()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var name = CliOptions.Name("Update");
        var input = CliOptions.Input();
        var inputArray = CliOptions.InputArray();
        var updateId = new Option<string?>("--update-id")
        {
            Description = "Idempotency key: repeating the command with the same id returns the first outcome instead of applying the update twice. Default: a new id.",
            HelpName = "id",
        };
        var command = new Command(
            "update",
            "Run an update on an open workflow and wait for its result (a worker must be running). A rejected update (exit 1) leaves no trace in history.\n"
            + "Example: ddctl workflow update -w approval/pr-42 --name setRequiredApprovals --input 2")
        { id, runId, name, input, inputArray, updateId };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            var update = parse.GetValue(name)!;
            var argsJson = JsonArgs.ToArgsJson(parse.GetValue(input), parse.GetValue(inputArray));
            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var handle = client.GetWorkflowHandle(parse.GetValue(id)!, parse.GetValue(runId));
            var run = await handle.DescribeAsync();
            CheckHandler(run.WorkflowType, "update", update, argsJson);
            var result = await handle.ExecuteUpdateJsonAsync(update, argsJson, new WorkflowUpdateOptions { UpdateId = parse.GetValue(updateId) }, ct);
            if (parse.IsJson(output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.WorkflowId, ["runId"] = run.RunId, ["update"] = update, ["result"] = Output.Payload(result) });
            }
            else
            {
                Output.Line($"Update '{update}' accepted by workflow '{run.WorkflowId}'. Result: {Output.Cell(result, 2000)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
