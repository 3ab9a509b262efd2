using DurableDelivery.Server.Time;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace DurableDelivery.Server.History;

/// <content>
/// Timers firing: user timers, activity and workflow task timeouts, run and execution timeouts, backoffs.
/// </content>
internal sealed partial class HistoryEngine
{
    /// <summary>
    /// Fires one due time. The change is made at once (so time skipping sees the new task); the commit is not awaited,
    /// so a burst of timers shares commits.
    /// </summary>
    private Task FireTimerAsync(TimerEntry entry)
    {
        var m = new Mutation();
        Task commit;
        lock (gate)
        {
            if (!runs.TryGetValue(entry.RunId, out var run) || !run.IsOpen)
            {
                return Task.CompletedTask;
            }

            OnTimer(m, run, entry);
            if (m.Touched.Count == 0 && m.AfterCommit.Count == 0 && m.Batch.IsEmpty)
            {
                // A stale due time (the task or activity it guarded finished): nothing to write or apply.
                return Task.CompletedTask;
            }

            commit = Flush(m);
        }

        _ = commit.ContinueWith(
            t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    Apply(m);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private void OnTimer(Mutation m, Run run, TimerEntry entry)
    {
        var s = run.S;
        switch (entry.Kind)
        {
            case TimerKind.UserTimer:
                if (entry.Name is not null && s.Timers.TryGetValue(entry.Name, out var timer)
                    && timer.StartedEventId == entry.Id)
                {
                    s.Timers.Remove(entry.Name);
                    AddExternalEvent(m, run, EventType.TimerFired, e =>
                        e.TimerFiredEventAttributes = new TimerFiredEventAttributes
                        {
                            TimerId = timer.TimerId,
                            StartedEventId = timer.StartedEventId,
                        });
                }

                break;
            case TimerKind.ActivityScheduleToStart:
            case TimerKind.ActivityStartToClose:
            case TimerKind.ActivityScheduleToClose:
            case TimerKind.ActivityHeartbeat:
            case TimerKind.ActivityRetry:
                OnActivityTimer(m, run, entry);
                break;
            case TimerKind.WorkflowTaskStartToClose:
            case TimerKind.WorkflowTaskScheduleToStart:
                OnWorkflowTaskTimer(m, run, entry);
                break;
            case TimerKind.RunTimeout when s.RunExpiry == entry.Due:
            case TimerKind.ExecutionTimeout when s.ExecutionExpiry == entry.Due:
                TimeOutWorkflow(m, run);
                break;
            case TimerKind.FirstTaskBackoff when s.FirstTaskBackoffUntil == entry.Due:
                s.FirstTaskBackoffUntil = null;
                m.Touch(run);
                ScheduleWorkflowTaskIfNeeded(m, run);
                break;
        }
    }

    private void TimeOutWorkflow(Mutation m, Run run)
    {
        var s = run.S;
        var failure = new Failure
        {
            Message = "workflow timeout",
            TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = TimeoutType.StartToClose },
        };
        var executionExpired = s.ExecutionExpiry is { } e && e <= Now;
        var retry = !executionExpired && DecideWorkflowRetry(s, failure, out _, out _);
        var retryState = RetryState.Timeout;
        long delay = 0;
        if (retry)
        {
            DecideWorkflowRetry(s, failure, out retryState, out delay);
        }

        var newRunId = retry ? Guid.CreateVersion7(Clock.Now).ToString() : "";
        s.Wft = null;
        s.Buffered.Clear();
        var ev = AddEvent(m, run, EventType.WorkflowExecutionTimedOut, e =>
            e.WorkflowExecutionTimedOutEventAttributes = new WorkflowExecutionTimedOutEventAttributes
            {
                RetryState = retry ? RetryState.InProgress : RetryState.Timeout,
                NewExecutionRunId = newRunId,
            });
        if (retry)
        {
            var started = run.Events[0].WorkflowExecutionStartedEventAttributes;
            Close(m, run, WorkflowExecutionStatus.TimedOut, ev, chainContinues: true);
            var next = CreateRun(m, NextRunOf(s, started, newRunId) with
            {
                Attempt = s.Attempt + 1,
                BackoffMs = delay,
                Initiator = ContinueAsNewInitiator.Retry,
                ContinuedFailure = failure,
            });
            ScheduleWorkflowTaskIfNeeded(m, next);
            return;
        }

        Close(m, run, WorkflowExecutionStatus.TimedOut, ev);
    }
}
