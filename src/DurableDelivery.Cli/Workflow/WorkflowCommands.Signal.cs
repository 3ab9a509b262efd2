using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow signal</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Signal()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var name = CliOptions.Name("Signal");
        var input = CliOptions.Input();
        var inputArray = CliOptions.InputArray();
        var command = new Command(
            "signal",
            "Send a signal to an open workflow. It is durable when the command returns; a running worker picks it up within its poll interval.\n"
            + "Example: ddctl workflow signal -w approval/pr-42 --name approve --input '\"alice\"'")
        { id, runId, name, input, inputArray };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, _) =>
        {
            var signal = parse.GetValue(name)!;
            var argsJson = JsonArgs.ToArgsJson(parse.GetValue(input), parse.GetValue(inputArray));
            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var handle = client.GetWorkflowHandle(parse.GetValue(id)!, parse.GetValue(runId));
            var run = await handle.DescribeAsync();
            CheckHandler(run.WorkflowType, "signal", signal, argsJson);
            await handle.SignalJsonAsync(signal, argsJson);
            if (parse.IsJson(output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.WorkflowId, ["runId"] = run.RunId, ["signal"] = signal, ["args"] = Output.Payload(argsJson) });
            }
            else
            {
                Output.Line($"Signal '{signal}' sent to workflow '{run.WorkflowId}' (run {run.RunId}).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
