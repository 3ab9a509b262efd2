using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;

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
        var timeout = Timeout("Seconds to wait for a worker to answer (a worker that hosts the workflow type runs the query); then exit 4.", 10);
        var command = new Command(
            "query",
            "Ask a workflow for its state. Queries add nothing to history and also work on closed workflows; a worker must be running. "
            + "Table output prints the answer as JSON.\n"
            + "Example: ddctl workflow query -w approval/pr-42 --name status -o json")
        { id, runId, name, input, inputArray, timeout };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var query = parse.GetValue(name)!;
            var args = JsonArgs.From(parse.GetValue(input), parse.GetValue(inputArray));
            var wait = TimeoutOf(parse, timeout);
            var client = await shared.ConnectAsync(parse, ct);
            var run = await DescribeRunAsync(client, parse.GetValue(id)!, parse.GetValue(runId), ct);
            CheckHandler(run.WorkflowType, "query", query, args);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(wait);
            JsonNode? result;
            try
            {
                var raw = await client.GetWorkflowHandle(run.Id, run.RunId).QueryAsync<IRawValue?>(
                    query, args.Values, new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = deadline.Token, Timeout = wait } });
                result = RawJson.Of(raw);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsTimeout(e))
            {
                throw new CliException(
                    ExitCodes.WorkflowFailed,
                    $"no worker answered query '{query}' within {wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s; is a worker polling task queue '{run.TaskQueue}' (ddctl worker run --task-queue {run.TaskQueue})?");
            }

            if (parse.IsJson(shared.Output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.Id, ["runId"] = run.RunId, ["query"] = query, ["result"] = result });
            }
            else
            {
                Output.Json(result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Whether a call ended because its deadline passed (the SDK reports it in several shapes).</summary>
    private static bool IsTimeout(Exception e) => e switch
    {
        OperationCanceledException => true,
        RpcException { Code: RpcException.StatusCode.DeadlineExceeded or RpcException.StatusCode.Cancelled } => true,
        RpcTimeoutOrCanceledException or WorkflowUpdateRpcTimeoutOrCanceledException => true,
        _ => false,
    };
}
