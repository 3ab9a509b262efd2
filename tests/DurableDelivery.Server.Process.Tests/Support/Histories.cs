using DurableDelivery.Server.ProcessWorker;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Worker;

namespace DurableDelivery.Server.Process.Tests.Support;

/// <summary>Checks on fetched histories.</summary>
internal static class Histories
{
    /// <summary>Event ids are exactly 1..N.</summary>
    public static void ShouldBeContiguous(WorkflowHistory history)
    {
        var ids = history.Events.Select(e => e.EventId).ToList();
        ids.ShouldNotBeEmpty($"history of {history.Id}");
        ids.ShouldBe(Enumerable.Range(1, ids.Count).Select(i => (long)i).ToList(),
            $"event ids of {history.Id} must be 1..{ids.Count} without gaps");
    }

    /// <summary>Temporalio's replayer runs the StepWorkflow code over the history without a nondeterminism error.
    /// </summary>
    public static async Task ShouldReplayAsync(WorkflowHistory history)
    {
        var replayer = new WorkflowReplayer(new WorkflowReplayerOptions().AddWorkflow<StepWorkflow>());
        var result = await replayer.ReplayWorkflowAsync(history, throwOnReplayFailure: false);
        result.ReplayFailure.ShouldBeNull($"replay of {history.Id}");
    }

    /// <summary>The activity ids whose ActivityTaskCompleted the history holds.</summary>
    public static IReadOnlySet<string> CompletedActivityIds(WorkflowHistory history)
    {
        var scheduled = history.Events.Where(e => e.EventType == EventType.ActivityTaskScheduled)
            .ToDictionary(e => e.EventId, e => e.ActivityTaskScheduledEventAttributes.ActivityId);
        return history.Events.Where(e => e.EventType == EventType.ActivityTaskCompleted)
            .Select(e => scheduled[e.ActivityTaskCompletedEventAttributes.ScheduledEventId])
            .ToHashSet();
    }

    /// <summary>The events of one type.</summary>
    public static IReadOnlyList<HistoryEvent> OfType(WorkflowHistory history, EventType type) =>
        history.Events.Where(e => e.EventType == type).ToList();

    private static string Describe(HistoryEvent e)
    {
        var time = e.EventTime.ToDateTime().ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        var detail = e.EventType switch
        {
            EventType.WorkflowTaskScheduled =>
                $" {e.WorkflowTaskScheduledEventAttributes.TaskQueue.Kind} attempt "
                + e.WorkflowTaskScheduledEventAttributes.Attempt,
            EventType.WorkflowTaskStarted => $" by {e.WorkflowTaskStartedEventAttributes.Identity}",
            EventType.WorkflowTaskTimedOut => $" {e.WorkflowTaskTimedOutEventAttributes.TimeoutType}",
            EventType.WorkflowTaskFailed => $" {e.WorkflowTaskFailedEventAttributes.Cause}",
            _ => "",
        };
        return $"{e.EventId} {time} {e.EventType}{detail}";
    }

    /// <summary>For failure messages: a workflow's state, pending work and last events (one raw page, no waiting).
    /// </summary>
    public static async Task<string> DiagnoseAsync(ITemporalClient client, string workflowId)
    {
        try
        {
            var service = client.Connection.WorkflowService;
            var execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = workflowId };
            var described = await service.DescribeWorkflowExecutionAsync(
                new DescribeWorkflowExecutionRequest { Namespace = client.Options.Namespace, Execution = execution });
            var page = await service.GetWorkflowExecutionHistoryAsync(new GetWorkflowExecutionHistoryRequest
            {
                Namespace = client.Options.Namespace,
                Execution = execution,
                MaximumPageSize = 10_000,
            });
            var events = page.History.Events;
            var gaps = events.Where((e, i) => e.EventId != i + 1).Select(e => e.EventId).Take(3).ToList();
            var gapAt = events.Select((e, i) => (e, i)).FirstOrDefault(p => p.e.EventId != p.i + 1).i;
            var aroundGap = gaps.Count == 0 ? "" : "; around the gap: "
                + string.Join(", ", events.Skip(Math.Max(0, gapAt - 6)).Take(8).Select(Describe));
            return $"{workflowId}: status {described.WorkflowExecutionInfo.Status}, "
                + $"history length {described.WorkflowExecutionInfo.HistoryLength}, "
                + $"pending workflow task {described.PendingWorkflowTask}, "
                + $"pending activities [{string.Join(", ", described.PendingActivities)}]; "
                + $"{events.Count} events on the first page, out of place: [{string.Join(", ", gaps)}], last: "
                + string.Join(", ", events.TakeLast(12).Select(Describe)) + aroundGap;
        }
        catch (Exception ex)
        {
            return $"{workflowId}: cannot diagnose: {ex.Message}";
        }
    }
}
