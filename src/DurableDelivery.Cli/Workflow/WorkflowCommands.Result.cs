using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow result</c>, and how a run ended (its close event).</content>
internal static partial class WorkflowCommands
{
    private static Command Result()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var command = new Command(
            "result",
            "Wait for a workflow to close and print its result; exit 4, with the failure or the reason, if it failed, was canceled, terminated or timed out. "
            + "Follows continue-as-new (and retries) to the run that ends the chain. Works on closed workflows too.\n"
            + "Example: ddctl workflow result -w approval/pr-42 -o json")
        { id, runId };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var client = await shared.ConnectAsync(parse, ct);
            var run = await DescribeRunAsync(client, parse.GetValue(id)!, parse.GetValue(runId), ct);
            var (lastRunId, result) = await AwaitResultAsync(client, run.Id, run.RunId, ct);
            if (parse.IsJson(shared.Output))
            {
                Output.Json(new JsonObject
                {
                    ["workflowId"] = run.Id, ["runId"] = lastRunId, ["status"] = nameof(WorkflowExecutionStatus.Completed), ["result"] = result,
                });
            }
            else
            {
                Output.Line($"Workflow '{run.Id}' completed (run {lastRunId}). Result:");
                Output.Json(result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Waits for a run to close, following continue-as-new and retries to the run that ends the chain, as the SDK's
    /// <c>GetResultAsync</c> does, but reading the close event itself so that a failure names its cause and a
    /// termination its reason.
    /// </summary>
    /// <returns>The last run and its result.</returns>
    /// <exception cref="CliException">Exit 4 when the chain did not complete.</exception>
    private static async Task<(string RunId, JsonNode? Result)> AwaitResultAsync(ITemporalClient client, string id, string runId, CancellationToken ct)
    {
        while (true)
        {
            var close = await CloseEventAsync(client, id, runId, wait: true, ct)
                ?? throw new CliException(ExitCodes.InternalError, $"the Temporal server returned no close event for workflow '{id}' (run {runId}).");
            var next = close.AttributesCase switch
            {
                HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes => close.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId,
                HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes => close.WorkflowExecutionFailedEventAttributes.NewExecutionRunId,
                HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes => close.WorkflowExecutionTimedOutEventAttributes.NewExecutionRunId,
                _ => null,
            };
            if (next is { Length: > 0 })
            {
                runId = next;
                continue;
            }

            return close.AttributesCase == HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes
                ? (runId, RawJson.Of(close.WorkflowExecutionCompletedEventAttributes.Result))
                : throw new CliException(ExitCodes.WorkflowFailed, ClosedUnsuccessfully(id, close));
        }
    }

    /// <summary>The close event of a run: null while it runs (unless <paramref name="wait"/>, which waits for it).</summary>
    private static async Task<HistoryEvent?> CloseEventAsync(ITemporalClient client, string id, string runId, bool wait, CancellationToken ct)
    {
        var options = new WorkflowHistoryEventFetchOptions { WaitNewEvent = wait, EventFilterType = HistoryEventFilterType.CloseEvent, Rpc = Rpc(ct) };
        await foreach (var e in client.GetWorkflowHandle(id, runId).FetchHistoryEventsAsync(options).WithCancellation(ct))
        {
            return e;
        }

        return null;
    }

    /// <summary>One line on a run that did not complete.</summary>
    private static string ClosedUnsuccessfully(string id, HistoryEvent close) => close.AttributesCase switch
    {
        HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes =>
            $"workflow '{id}' failed: {RawJson.FailureText(close.WorkflowExecutionFailedEventAttributes.Failure).TrimEnd('.')}.",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes => $"workflow '{id}' was canceled.",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes =>
            close.WorkflowExecutionTerminatedEventAttributes.Reason is { Length: > 0 } reason
                ? $"workflow '{id}' was terminated: {reason.TrimEnd('.')}."
                : $"workflow '{id}' was terminated.",
        HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes => $"workflow '{id}' timed out (its run or execution timeout passed).",
        _ => $"workflow '{id}' closed with {close.EventType}.",
    };

    /// <summary>What a close event says, as JSON: the result, the failure (failed, canceled, terminated, timed out) and the next run.</summary>
    private static (JsonNode? Result, JsonObject? Failure, string? NextRunId) CloseJson(HistoryEvent? close)
    {
        switch (close?.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes:
                return (RawJson.Of(close.WorkflowExecutionCompletedEventAttributes.Result), null, null);
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes:
                return (null, RawJson.Failure(close.WorkflowExecutionFailedEventAttributes.Failure), Empty(close.WorkflowExecutionFailedEventAttributes.NewExecutionRunId));
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes:
                var details = RawJson.Of(close.WorkflowExecutionCanceledEventAttributes.Details);
                return (null, new JsonObject { ["message"] = "canceled", ["type"] = "Canceled", ["details"] = details }, null);
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes:
                var terminated = close.WorkflowExecutionTerminatedEventAttributes;
                return (null, new JsonObject { ["message"] = terminated.Reason, ["type"] = "Terminated", ["identity"] = terminated.Identity }, null);
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes:
                return (null, new JsonObject { ["message"] = "timed out", ["type"] = "TimedOut" }, Empty(close.WorkflowExecutionTimedOutEventAttributes.NewExecutionRunId));
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes:
                return (null, null, close.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId);
            default:
                return (null, null, null);
        }
    }

    private static string? Empty(string text) => text is { Length: > 0 } ? text : null;
}
