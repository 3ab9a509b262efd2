using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Converters;
using Temporalio.Exceptions;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow update</c> (also <c>ddctl workflow update execute</c>, the temporal CLI's name).</content>
internal static partial class WorkflowCommands
{
    private const string UpdateDescription =
        "Run an update on an open workflow and wait for its result, as 'temporal workflow update execute' (a worker must be running). "
        + "A rejected update (its validator refused it) exits 1 and leaves no trace in history; a failed handler exits 4.";

    private static Command Update()
    {
        var command = UpdateCommand(
            "update",
            UpdateDescription + "\nExample: ddctl workflow update -w approval/pr-42 --name setRequiredApprovals --input 2");
        command.Subcommands.Add(UpdateCommand(
            "execute",
            "Same as 'ddctl workflow update', under the temporal CLI's name. " + UpdateDescription
            + "\nExample: ddctl workflow update execute -w approval/pr-42 --name setRequiredApprovals --input 2 --update-id approvals-to-2"));
        return command;
    }

    private static Command UpdateCommand(string verb, string description)
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
        var timeout = Timeout("Seconds to wait for the outcome; then exit 4 (the update may still be applied: wait for it again with the same --update-id).", 30);
        var command = new Command(verb, description) { id, runId, name, input, inputArray, updateId, timeout };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var update = parse.GetValue(name)!;
            var args = JsonArgs.From(parse.GetValue(input), parse.GetValue(inputArray));
            var wait = TimeoutOf(parse, timeout);
            var key = parse.GetValue(updateId) is { Length: > 0 } given ? given : Guid.NewGuid().ToString();
            var client = await shared.ConnectAsync(parse, ct);
            var run = await DescribeRunAsync(client, parse.GetValue(id)!, parse.GetValue(runId), ct);
            RequireOpen(run);
            CheckHandler(run.WorkflowType, "update", update, args);
            var handle = client.GetWorkflowHandle(run.Id, run.RunId);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(wait);
            JsonNode? result;
            try
            {
                var raw = await handle.ExecuteUpdateAsync<IRawValue?>(update, args.Values, new WorkflowUpdateOptions(key) { Rpc = new RpcOptions { CancellationToken = deadline.Token } });
                result = RawJson.Of(raw);
            }
            catch (WorkflowUpdateFailedException e)
            {
                if (await AcceptedAsync(handle, key, ct))
                {
                    // The handler ran and failed: exit 4 (CommandRun).
                    throw;
                }

                throw CliException.BadInput($"Update '{update}' was rejected: {e.InnerException?.Message ?? e.Message}");
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsTimeout(e))
            {
                var seconds = wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                throw new CliException(
                    ExitCodes.WorkflowFailed,
                    await AcceptedAsync(handle, key, ct)
                        ? $"update '{update}' (id {key}) was accepted but did not complete within {seconds} s; it goes on: wait for its result with the same command and --update-id {key}."
                        : $"no worker took update '{update}' (id {key}) within {seconds} s; is a worker polling task queue '{run.TaskQueue}'? Nothing is in the workflow's history, but the server may still hand the update to the next worker: repeat with --update-id {key} to get its outcome.");
            }

            if (parse.IsJson(shared.Output))
            {
                Output.Json(new JsonObject { ["workflowId"] = run.Id, ["runId"] = run.RunId, ["update"] = update, ["updateId"] = key, ["result"] = result });
            }
            else
            {
                Output.Line($"Update '{update}' completed on workflow '{run.Id}' (update id {key}). Result:");
                Output.Json(result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Whether the run's history records that it accepted the update with this id. A rejected update (its validator
    /// threw) is never written to history; a handler that failed after acceptance is.
    /// </summary>
    private static async Task<bool> AcceptedAsync(WorkflowHandle handle, string updateId, CancellationToken ct)
    {
        await foreach (var e in handle.FetchHistoryEventsAsync(new WorkflowHistoryEventFetchOptions { Rpc = Rpc(ct) }).WithCancellation(ct))
        {
            if (e.EventType == EventType.WorkflowExecutionUpdateAccepted && e.WorkflowExecutionUpdateAcceptedEventAttributes.AcceptedRequest?.Meta?.UpdateId == updateId)
            {
                return true;
            }
        }

        return false;
    }
}
