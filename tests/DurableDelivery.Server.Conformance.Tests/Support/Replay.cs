using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace DurableDelivery.Server.Conformance.Tests.Support;

/// <summary>
/// Every history the suite produces must replay: the SDK's own replayer runs the workflow code against the history
/// the server wrote and fails on any nondeterminism (a command the history does not match, an event out of place).
/// </summary>
public static class Replay
{
    /// <summary>
    /// Fetches the history of the handle's run (a started handle's first run, not whatever run is current now) and
    /// replays it.
    /// </summary>
    /// <returns>The history replayed, for further checks.</returns>
    public static async Task<WorkflowHistory> AssertReplaysAsync(WorkflowHandle handle, params Type[] workflows)
    {
        var runId = handle.RunId ?? handle.ResultRunId ?? handle.FirstExecutionRunId;
        var history = await handle.Client.GetWorkflowHandle(handle.Id, runId).FetchHistoryAsync();
        await AssertReplaysAsync(history, workflows);
        return history;
    }

    /// <summary>Replays every run of a workflow id, first to last (continue-as-new, retries).</summary>
    /// <returns>The histories, oldest run first.</returns>
    public static async Task<IReadOnlyList<WorkflowHistory>> AssertChainReplaysAsync(
        ITemporalClient client, string workflowId, string firstRunId, params Type[] workflows)
    {
        var histories = new List<WorkflowHistory>();
        string? runId = firstRunId;
        while (!string.IsNullOrEmpty(runId))
        {
            var history = await client.GetWorkflowHandle(workflowId, runId).FetchHistoryAsync();
            await AssertReplaysAsync(history, workflows);
            histories.Add(history);
            runId = NextRunId(history);
        }

        return histories;
    }

    /// <summary>Replays a fetched history.</summary>
    public static async Task AssertReplaysAsync(WorkflowHistory history, params Type[] workflows)
    {
        history.Events.ShouldNotBeEmpty();
        var options = new WorkflowReplayerOptions();
        foreach (var type in workflows)
        {
            options.AddWorkflow(type);
        }

        var result = await new WorkflowReplayer(options).ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        result.ReplayFailure.ShouldBeNull(
            $"history of {history.Id} ({history.Events.Count} events) does not replay: "
            + string.Join(", ", history.Events.Select(e => $"{e.EventId}:{e.EventType}")));
    }

    /// <summary>The event types of a history, in order.</summary>
    public static List<EventType> Types(WorkflowHistory history) =>
        history.Events.Select(e => e.EventType).ToList();

    private static string? NextRunId(WorkflowHistory history)
    {
        var last = history.Events.Last();
        return last.EventType switch
        {
            EventType.WorkflowExecutionContinuedAsNew =>
                last.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId,
            EventType.WorkflowExecutionFailed => last.WorkflowExecutionFailedEventAttributes.NewExecutionRunId,
            EventType.WorkflowExecutionTimedOut => last.WorkflowExecutionTimedOutEventAttributes.NewExecutionRunId,
            EventType.WorkflowExecutionCompleted => last.WorkflowExecutionCompletedEventAttributes.NewExecutionRunId,
            _ => null,
        };
    }
}
