using System.CommandLine;
using System.Globalization;
using DurableDelivery.Cli.Common;
using Spectre.Console;
using Temporalio.Api.Common.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace DurableDelivery.Cli.Workflow;

/// <content><c>ddctl workflow show</c>.</content>
internal static partial class WorkflowCommands
{
    private static Command Show()
    {
        var id = CliOptions.WorkflowId();
        var runId = CliOptions.RunId();
        var command = new Command(
            "show",
            "Print a run's event history: a table of events (id, time, type, short attributes), or with --output json Temporal's JSON history format, "
            + "as 'temporal workflow show -o json' prints it and WorkflowHistory.FromJson / WorkflowReplayer read it.\n"
            + "Example: ddctl workflow show -w approval/pr-42 --output json > approval.history.json")
        { id, runId };
        var shared = CommonOptions(command);
        command.Action = Act(async (parse, ct) =>
        {
            var workflowId = parse.GetValue(id)!;
            var run = parse.GetValue(runId);
            var client = await shared.ConnectAsync(parse, ct);
            WorkflowHistory history;
            try
            {
                history = await client.GetWorkflowHandle(workflowId, run).FetchHistoryAsync(new WorkflowHistoryEventFetchOptions { Rpc = Rpc(ct) });
            }
            catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound && CommandRun.NamespaceNotFound(e) is null)
            {
                throw NotFound(workflowId, run);
            }

            if (parse.IsJson(shared.Output))
            {
                Console.Out.WriteLine(history.ToJson());
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Id", "Time", "Type", "Details");
            foreach (var e in history.Events)
            {
                table.AddRow(e.EventId.ToString(CultureInfo.InvariantCulture), RawJson.TimeCell(e.EventTime), e.EventType.ToString(), Markup.Escape(Details(e)));
            }

            Output.Table.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>An event's main attributes on one line, <c>key=value</c> separated by two spaces.</summary>
    private static string Details(HistoryEvent e)
    {
        var parts = new List<string>();
        void Add(string key, object? value)
        {
            if (value is not null && !(value is string text && text.Length == 0))
            {
                parts.Add($"{key}={value}");
            }
        }

        void Payload(string key, Payloads? payloads)
        {
            if (payloads is { Payloads_.Count: > 0 })
            {
                parts.Add($"{key}={RawJson.Cell(payloads.Payloads_.Count == 1 ? RawJson.Of(payloads.Payloads_[0]) : RawJson.Args(payloads), 80)}");
            }
        }

        void Failure(Temporalio.Api.Failure.V1.Failure? failure)
        {
            if (failure is not null)
            {
                parts.Add($"failure={RawJson.FailureText(failure)}");
            }
        }

        switch (e.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionStartedEventAttributes:
                var started = e.WorkflowExecutionStartedEventAttributes;
                Add("type", started.WorkflowType?.Name);
                Add("queue", started.TaskQueue?.Name);
                Payload("input", started.Input);
                Add("continuedFrom", started.ContinuedExecutionRunId);
                Add("parent", started.ParentWorkflowExecution?.WorkflowId);
                Add("by", started.Identity);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCompletedEventAttributes:
                Payload("result", e.WorkflowExecutionCompletedEventAttributes.Result);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionFailedEventAttributes:
                Failure(e.WorkflowExecutionFailedEventAttributes.Failure);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTimedOutEventAttributes:
                Add("retryState", e.WorkflowExecutionTimedOutEventAttributes.RetryState);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCanceledEventAttributes:
                Payload("details", e.WorkflowExecutionCanceledEventAttributes.Details);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionTerminatedEventAttributes:
                Add("reason", e.WorkflowExecutionTerminatedEventAttributes.Reason);
                Add("by", e.WorkflowExecutionTerminatedEventAttributes.Identity);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionCancelRequestedEventAttributes:
                Add("reason", e.WorkflowExecutionCancelRequestedEventAttributes.Cause);
                Add("by", e.WorkflowExecutionCancelRequestedEventAttributes.Identity);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionContinuedAsNewEventAttributes:
                Add("newRun", e.WorkflowExecutionContinuedAsNewEventAttributes.NewExecutionRunId);
                Payload("input", e.WorkflowExecutionContinuedAsNewEventAttributes.Input);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionSignaledEventAttributes:
                Add("name", e.WorkflowExecutionSignaledEventAttributes.SignalName);
                Payload("input", e.WorkflowExecutionSignaledEventAttributes.Input);
                Add("by", e.WorkflowExecutionSignaledEventAttributes.Identity);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionUpdateAcceptedEventAttributes:
                var accepted = e.WorkflowExecutionUpdateAcceptedEventAttributes;
                Add("name", accepted.AcceptedRequest?.Input?.Name);
                Add("updateId", accepted.AcceptedRequest?.Meta?.UpdateId);
                Payload("input", accepted.AcceptedRequest?.Input?.Args);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowExecutionUpdateCompletedEventAttributes:
                var completed = e.WorkflowExecutionUpdateCompletedEventAttributes;
                Add("updateId", completed.Meta?.UpdateId);
                Add("accepted", completed.AcceptedEventId > 0 ? $"#{completed.AcceptedEventId}" : null);
                Payload("result", completed.Outcome?.Success);
                Failure(completed.Outcome?.Failure);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskScheduledEventAttributes:
                Add("queue", e.WorkflowTaskScheduledEventAttributes.TaskQueue?.Name);
                Add("attempt", e.WorkflowTaskScheduledEventAttributes.Attempt > 1 ? e.WorkflowTaskScheduledEventAttributes.Attempt : null);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskStartedEventAttributes:
                Add("scheduled", $"#{e.WorkflowTaskStartedEventAttributes.ScheduledEventId}");
                Add("by", e.WorkflowTaskStartedEventAttributes.Identity);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskCompletedEventAttributes:
                Add("scheduled", $"#{e.WorkflowTaskCompletedEventAttributes.ScheduledEventId}");
                Add("by", e.WorkflowTaskCompletedEventAttributes.Identity);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskFailedEventAttributes:
                Add("scheduled", $"#{e.WorkflowTaskFailedEventAttributes.ScheduledEventId}");
                Add("cause", e.WorkflowTaskFailedEventAttributes.Cause);
                Failure(e.WorkflowTaskFailedEventAttributes.Failure);
                break;
            case HistoryEvent.AttributesOneofCase.WorkflowTaskTimedOutEventAttributes:
                Add("scheduled", $"#{e.WorkflowTaskTimedOutEventAttributes.ScheduledEventId}");
                Add("timeout", e.WorkflowTaskTimedOutEventAttributes.TimeoutType);
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskScheduledEventAttributes:
                var scheduled = e.ActivityTaskScheduledEventAttributes;
                Add("name", scheduled.ActivityType?.Name);
                Add("id", scheduled.ActivityId);
                Add("queue", scheduled.TaskQueue?.Name);
                Payload("input", scheduled.Input);
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskStartedEventAttributes:
                Add("scheduled", $"#{e.ActivityTaskStartedEventAttributes.ScheduledEventId}");
                Add("attempt", e.ActivityTaskStartedEventAttributes.Attempt);
                Add("by", e.ActivityTaskStartedEventAttributes.Identity);
                Failure(e.ActivityTaskStartedEventAttributes.LastFailure);
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes:
                Add("scheduled", $"#{e.ActivityTaskCompletedEventAttributes.ScheduledEventId}");
                Payload("result", e.ActivityTaskCompletedEventAttributes.Result);
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes:
                Add("scheduled", $"#{e.ActivityTaskFailedEventAttributes.ScheduledEventId}");
                Failure(e.ActivityTaskFailedEventAttributes.Failure);
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes:
                Add("scheduled", $"#{e.ActivityTaskTimedOutEventAttributes.ScheduledEventId}");
                Failure(e.ActivityTaskTimedOutEventAttributes.Failure);
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCancelRequestedEventAttributes:
                Add("scheduled", $"#{e.ActivityTaskCancelRequestedEventAttributes.ScheduledEventId}");
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes:
                Add("scheduled", $"#{e.ActivityTaskCanceledEventAttributes.ScheduledEventId}");
                break;
            case HistoryEvent.AttributesOneofCase.TimerStartedEventAttributes:
                Add("id", e.TimerStartedEventAttributes.TimerId);
                Add("duration", RawJson.Duration(e.TimerStartedEventAttributes.StartToFireTimeout));
                break;
            case HistoryEvent.AttributesOneofCase.TimerFiredEventAttributes:
                Add("id", e.TimerFiredEventAttributes.TimerId);
                Add("started", $"#{e.TimerFiredEventAttributes.StartedEventId}");
                break;
            case HistoryEvent.AttributesOneofCase.TimerCanceledEventAttributes:
                Add("id", e.TimerCanceledEventAttributes.TimerId);
                break;
            case HistoryEvent.AttributesOneofCase.MarkerRecordedEventAttributes:
                Add("name", e.MarkerRecordedEventAttributes.MarkerName);
                break;
            case HistoryEvent.AttributesOneofCase.StartChildWorkflowExecutionInitiatedEventAttributes:
                Add("type", e.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowType?.Name);
                Add("id", e.StartChildWorkflowExecutionInitiatedEventAttributes.WorkflowId);
                Payload("input", e.StartChildWorkflowExecutionInitiatedEventAttributes.Input);
                break;
            case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionStartedEventAttributes:
                Add("id", e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution?.WorkflowId);
                Add("run", e.ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution?.RunId);
                break;
            case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionCompletedEventAttributes:
                Add("id", e.ChildWorkflowExecutionCompletedEventAttributes.WorkflowExecution?.WorkflowId);
                Payload("result", e.ChildWorkflowExecutionCompletedEventAttributes.Result);
                break;
            case HistoryEvent.AttributesOneofCase.ChildWorkflowExecutionFailedEventAttributes:
                Add("id", e.ChildWorkflowExecutionFailedEventAttributes.WorkflowExecution?.WorkflowId);
                Failure(e.ChildWorkflowExecutionFailedEventAttributes.Failure);
                break;
            case HistoryEvent.AttributesOneofCase.SignalExternalWorkflowExecutionInitiatedEventAttributes:
                Add("name", e.SignalExternalWorkflowExecutionInitiatedEventAttributes.SignalName);
                Add("to", e.SignalExternalWorkflowExecutionInitiatedEventAttributes.WorkflowExecution?.WorkflowId);
                Payload("input", e.SignalExternalWorkflowExecutionInitiatedEventAttributes.Input);
                break;
            case HistoryEvent.AttributesOneofCase.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes:
                Add("to", e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.WorkflowExecution?.WorkflowId);
                Add("reason", e.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes.Reason);
                break;
        }

        return string.Join("  ", parts);
    }
}
