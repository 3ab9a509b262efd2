using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow query</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Query()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var name = CliOptions.Name("Query");
        var input = CliOptions.Input();
        var inputArray = CliOptions.InputArray();
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for a worker to answer (queries run in a worker that hosts the workflow type).",
            HelpName = "seconds",
            DefaultValueFactory = _ => 10,
        };
        var command = new Command(
            "query",
            "Ask a workflow for its state. Queries add nothing to history and also work on closed workflows; a worker must be running.\n"
            + "Example: ddctl workflow query -w approval/pr-42 --name status --output json")
        { id, runId, name, input, inputArray, timeout };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, _) =>
        {
            var query = parse.GetValue(name)!;
            var argsJson = JsonArgs.ToArgsJson(parse.GetValue(input), parse.GetValue(inputArray));
            if (parse.GetValue(timeout) is <= 0 or > 3600 or double.NaN)
            {
                throw CliException.BadInput($"--timeout must be between 0 and 3600 seconds, got {parse.GetValue(timeout)}.");
            }

            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var handle = client.GetWorkflowHandle(parse.GetValue(id)!, parse.GetValue(runId));
            var run = await handle.DescribeAsync();
            CheckHandler(run.WorkflowType, "query", query, argsJson);
            var result = await handle.QueryJsonAsync(query, argsJson, TimeSpan.FromSeconds(parse.GetValue(timeout)));
            if (parse.IsJson(output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.WorkflowId, ["runId"] = run.RunId, ["query"] = query, ["result"] = Output.Payload(result) });
            }
            else
            {
                Output.Json(Output.Payload(result));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
