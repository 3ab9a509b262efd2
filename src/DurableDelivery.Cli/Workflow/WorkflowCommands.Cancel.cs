using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow cancel</c> and <c>ddctl workflow terminate</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Cancel() => CloseCommand(
        "cancel",
        "Request cancellation: the workflow's cancellation token fires and its code decides how to wind down (activities are told through heartbeats).\n"
        + "Example: ddctl workflow cancel -w approval/pr-42 --reason \"superseded by pr-43\"",
        "cancel requested",
        (handle, reason) => handle.CancelAsync(reason),
        "Cancellation requested for");

    private static Command Terminate() => CloseCommand(
        "terminate",
        "Terminate a run at once: no more workflow code runs. Prefer cancel, which lets the workflow clean up.\n"
        + "Example: ddctl workflow terminate -w approval/pr-42 --reason \"stuck on a bad deploy\"",
        "terminated",
        (handle, reason) => handle.TerminateAsync(reason),
        "Terminated");

    private static Command CloseCommand(string verb, string description, string defaultReason, Func<Engine.Client.WorkflowHandle, string, Task> act, string done)
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var reason = CliOptions.Reason(defaultReason);
        var command = new Command(verb, description) { id, runId, reason };
        var (output, dataDir) = Common(command);
        command.Action = new CliAction(async (parse, _) =>
        {
            await using var client = Store.OpenExisting(parse.GetValue(dataDir)!);
            var handle = client.GetWorkflowHandle(parse.GetValue(id)!, parse.GetValue(runId));
            var run = await handle.DescribeAsync();
            var why = parse.GetValue(reason) ?? defaultReason;
            await act(client.GetWorkflowHandle(run.WorkflowId, run.RunId), why);
            if (parse.IsJson(output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.WorkflowId, ["runId"] = run.RunId, ["action"] = verb, ["reason"] = why });
            }
            else
            {
                Output.Line($"{done} workflow '{run.WorkflowId}' (run {run.RunId}): {why}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
