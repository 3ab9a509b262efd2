using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Client;

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
            "Send a signal to an open workflow: durable in its history when the command returns; a worker applies it on its next workflow task. "
            + "The name and arguments are checked against the workflow's type first.\n"
            + "Example: ddctl workflow signal -w approval/pr-42 --name approve --input '\"alice\"'")
        { id, runId, name, input, inputArray };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var signal = parse.GetValue(name)!;
            var args = JsonArgs.From(parse.GetValue(input), parse.GetValue(inputArray));
            var client = await shared.ConnectAsync(parse, ct);
            var run = await DescribeRunAsync(client, parse.GetValue(id)!, parse.GetValue(runId), ct);
            RequireOpen(run);
            CheckHandler(run.WorkflowType, "signal", signal, args);
            await client.GetWorkflowHandle(run.Id, run.RunId).SignalAsync(signal, args.Values, new WorkflowSignalOptions { Rpc = Rpc(ct) });
            if (parse.IsJson(shared.Output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.Id, ["runId"] = run.RunId, ["signal"] = signal, ["args"] = JsonNode.Parse(args.ArrayJson) });
            }
            else
            {
                Output.Line($"Signal '{signal}' sent to workflow '{run.Id}' (run {run.RunId}).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
