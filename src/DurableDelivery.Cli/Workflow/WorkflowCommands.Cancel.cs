using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow cancel</c> and <c>ddctl workflow terminate</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Cancel() => CloseCommand(
        "cancel",
        "Request cancellation: the workflow's cancellation token fires and its code decides how to wind down (activities learn it through heartbeats). "
        + "The reason is recorded in the WorkflowExecutionCancelRequested event.\n"
        + "Example: ddctl workflow cancel -w approval/pr-42 --reason \"superseded by pr-43\"",
        "cancel requested",
        CancelAsync,
        "Cancellation requested for");

    private static Command Terminate() => CloseCommand(
        "terminate",
        "Terminate a run at once: no more workflow code runs. Prefer cancel, which lets the workflow clean up. The reason is recorded in the WorkflowExecutionTerminated event.\n"
        + "Example: ddctl workflow terminate -w approval/pr-42 --reason \"stuck on a bad deploy\"",
        "terminated",
        (client, run, reason, ct) => client.GetWorkflowHandle(run.Id, run.RunId).TerminateAsync(reason, new WorkflowTerminateOptions { Rpc = Rpc(ct) }),
        "Terminated");

    private static Command CloseCommand(
        string verb, string description, string defaultReason, Func<ITemporalClient, Run, string, CancellationToken, Task> act, string done)
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var reason = CliOptions.Reason(defaultReason);
        var command = new Command(verb, description) { id, runId, reason };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var why = parse.GetValue(reason) ?? defaultReason;
            var client = await shared.ConnectAsync(parse, ct);
            var run = await DescribeRunAsync(client, parse.GetValue(id)!, parse.GetValue(runId), ct);
            RequireOpen(run);
            await act(client, run, why, ct);
            if (parse.IsJson(shared.Output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.Id, ["runId"] = run.RunId, ["action"] = verb, ["reason"] = why });
            }
            else
            {
                Output.Line($"{done} workflow '{run.Id}' (run {run.RunId}): {why}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Requests cancellation with a reason (the SDK's <c>CancelAsync</c> sends none; the request has the field).</summary>
    private static Task CancelAsync(ITemporalClient client, Run run, string reason, CancellationToken ct) =>
        client.WorkflowService.RequestCancelWorkflowExecutionAsync(
            new RequestCancelWorkflowExecutionRequest
            {
                Namespace = client.Options.Namespace,
                WorkflowExecution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = run.Id, RunId = run.RunId },
                Identity = client.Connection.Options.Identity ?? string.Empty,
                RequestId = Guid.NewGuid().ToString(),
                Reason = reason,
            },
            Rpc(ct));
}
