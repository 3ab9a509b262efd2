using System.Collections.Concurrent;
using DurableDelivery.Engine.Activities;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Storage;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Engine.Worker;

/// <summary>Activity attempts: run, heartbeat, complete, retry with backoff, time out.</summary>
public sealed partial class DurableWorker
{
    private void StartActivity(ActivityTaskRecord task)
    {
        var attemptLeft = (task.Deadline ?? store.Time.GetUtcNow() + task.Options.AttemptTimeout) - store.Time.GetUtcNow();
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token);
        var ra = new RunningActivity(task, cancel);
        if (!running.TryAdd((task.Key, task.Attempt), ra))
        {
            cancel.Dispose();
            return;
        }

        Interlocked.Increment(ref busy);
        if (attemptLeft < TimeSpan.FromDays(365))
        {
            // The attempt's deadline, enforced here too (the store's expiry sweep covers dead workers).
            var timer = store.Time.CreateTimer(
                _ =>
                {
                    ra.TimedOut = true;
                    ra.CancelReason ??= "the attempt timed out";
                    try
                    {
                        ra.Cancel.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                },
                null,
                attemptLeft > TimeSpan.Zero ? attemptLeft : TimeSpan.Zero,
                Timeout.InfiniteTimeSpan);
            _ = ra.Completion.Task.ContinueWith(_ => timer.Dispose(), TaskScheduler.Default);
        }

        _ = Task.Run(() => RunActivityAsync(ra));
    }

    private async Task RunActivityAsync(RunningActivity ra)
    {
        var t = ra.Task;
        string? heartbeatDetails = t.HeartbeatDetails;
        var heartbeatDirty = false;
        // Throttling is a local rate limit, so it runs on real elapsed time (the store's clock may be virtual in tests).
        long lastFlushTicks = 0;
        var flushing = 0;
        var throttle = t.Options.Heartbeat is { } hb ? TimeSpan.FromTicks((long)(hb.Ticks * 0.8)) : TimeSpan.FromSeconds(30);

        async Task FlushHeartbeatAsync()
        {
            heartbeatDirty = false;
            lastFlushTicks = Environment.TickCount64;
            var now = store.Time.GetUtcNow();
            DateTimeOffset? newDeadline = null;
            if (t.Options.Heartbeat is { } h)
            {
                var attemptEnd = (t.AttemptStartedTime ?? now) + t.Options.AttemptTimeout;
                newDeadline = now + h < attemptEnd ? now + h : attemptEnd;
            }

            var outcome = await store.HeartbeatActivityAsync(t.Key, t.Attempt, heartbeatDetails, newDeadline, CancellationToken.None).ConfigureAwait(false);
            CrashPoints.Hit("heartbeat-after");
            // A throttled flush can land after the attempt finished and was resolved (the row is gone, so "not owned"):
            // there is nothing left to cancel, and its token source is already disposed.
            if ((!outcome.Owned || outcome.CancelRequested) && !ra.Completion.Task.IsCompleted)
            {
                ra.CancelReason ??= outcome.Owned ? "the workflow requested cancellation" : "the activity is no longer wanted (the workflow closed or the attempt was superseded)";
                try
                {
                    await ra.Cancel.CancelAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    // The attempt finished between the check and the cancel.
                }
            }
        }

        var context = new ActivityExecutionContext(
            new ActivityInfo
            {
                ActivityType = t.ActivityType, ActivityId = t.ScheduledEventId.ToString(System.Globalization.CultureInfo.InvariantCulture), Attempt = t.Attempt,
                WorkflowId = t.WorkflowId, WorkflowRunId = t.RunId, WorkflowType = t.WorkflowType, TaskQueue = t.TaskQueue, ScheduledTime = t.ScheduledTime,
                StartedTime = t.AttemptStartedTime ?? store.Time.GetUtcNow(), HeartbeatTimeout = t.Options.Heartbeat, StartToCloseTimeout = t.Options.StartToClose,
                IdempotencyKey = $"{t.WorkflowId}/{t.RunId}/{t.ScheduledEventId}", HeartbeatDetailsJson = t.HeartbeatDetails,
            },
            ra.Cancel.Token,
            shutdown.Token,
            loggerFactory.CreateLogger("Activity." + t.ActivityType),
            details =>
            {
                heartbeatDetails = details ?? heartbeatDetails;
                heartbeatDirty = true;
                if ((lastFlushTicks == 0 || Environment.TickCount64 - lastFlushTicks >= (long)throttle.TotalMilliseconds) && Interlocked.Exchange(ref flushing, 1) == 0)
                {
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await FlushHeartbeatAsync().ConfigureAwait(false);
                        }
                        catch (Exception e)
                        {
                            logger.LogWarning(e, "Heartbeat of activity {Activity} failed", t.ActivityType);
                        }
                        finally
                        {
                            Volatile.Write(ref flushing, 0);
                        }
                    });
                }
            });

        try
        {
            string? resultJson;
            try
            {
                if (!activities.TryGetValue(t.ActivityType, out var def))
                {
                    throw new ApplicationFailureException(
                        $"Activity type '{t.ActivityType}' is not registered on worker {WorkerId} (task queue '{options.TaskQueue}'); registered: {string.Join(", ", activities.Keys.Order(StringComparer.Ordinal))}.",
                        "ActivityNotRegistered");
                }

                object?[] args;
                try
                {
                    args = PayloadConverter.DeserializeArgs(t.ArgsJson, def.ParameterTypes, $"activity '{t.ActivityType}'");
                }
                catch (ArgumentException e)
                {
                    throw new ApplicationFailureException(e.Message, "InvalidArguments", nonRetryable: true);
                }

                ActivityExecutionContext.SetCurrent(context);
                context.CancelReason = null;
                var returned = def.Method.Invoke(def.CreateTarget(), args);
                object? value = returned;
                if (returned is Task task)
                {
                    await task.ConfigureAwait(false);
                    value = def.ResultType is null ? null : task.GetType().GetProperty("Result")!.GetValue(task);
                }

                resultJson = def.ResultType is null ? null : PayloadConverter.Serialize(value);
            }
            catch (Exception raw)
            {
                var e = FailureConverter.Unwrap(raw);
                context.CancelReason = ra.CancelReason;
                if (shutdown.IsCancellationRequested && !ra.TimedOut)
                {
                    // Shutting down: the attempt is handed back by UnregisterWorker and retried by the next worker.
                    return;
                }

                if (heartbeatDirty)
                {
                    await FlushHeartbeatAsync().ConfigureAwait(false);
                }

                await ReportFailureAsync(ra, e).ConfigureAwait(false);
                return;
            }
            finally
            {
                ActivityExecutionContext.SetCurrent(null);
            }

            await ResolveAsync(t, new HistoryEvent { EventType = EventType.ActivityTaskCompleted, Payload = resultJson, Identity = WorkerId }).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Activity {Activity} of {WorkflowId} could not report its outcome; the attempt will time out and be retried", t.ActivityType, t.WorkflowId);
        }
        finally
        {
            running.TryRemove((t.Key, t.Attempt), out _);
            ra.Completion.TrySetResult();
            ra.Cancel.Dispose();
            Done();
        }
    }

    private async Task ReportFailureAsync(RunningActivity ra, Exception error)
    {
        var t = ra.Task;
        if (error is OperationCanceledException && ra.CancelReason is not null && !ra.TimedOut)
        {
            await ResolveAsync(t, new HistoryEvent { EventType = EventType.ActivityTaskCanceled, Identity = WorkerId, Failure = new FailureInfo { Message = ra.CancelReason, Kind = "Canceled", Type = "Canceled" } }).ConfigureAwait(false);
            return;
        }

        var failure = ra.TimedOut
            ? new FailureInfo { Message = $"activity '{t.ActivityType}' attempt {t.Attempt} timed out", Kind = "Timeout", Type = t.Options.Heartbeat is not null ? "Heartbeat" : "StartToClose" }
            : FailureConverter.ToFailure(error);
        await FailAttemptAsync(t, failure, error is ApplicationFailureException { NonRetryable: true }).ConfigureAwait(false);
    }

    /// <summary>Retries the attempt with backoff, or records the final failure (or time-out) when the policy says stop.</summary>
    private async Task FailAttemptAsync(ActivityTaskRecord t, FailureInfo failure, bool nonRetryable)
    {
        var policy = t.Options.RetryPolicy ?? new RetryPolicy();
        var now = store.Time.GetUtcNow();
        var delay = policy.DelayAfter(t.Attempt);
        var exhausted = policy.MaximumAttempts > 0 && t.Attempt >= policy.MaximumAttempts;
        var pastScheduleToClose = t.Options.ScheduleToClose is { } s2c && now + delay >= t.ScheduledTime + s2c;
        var listed = policy.NonRetryableErrorTypes?.Contains(failure.Type ?? string.Empty, StringComparer.Ordinal) == true;
        if (nonRetryable || listed || exhausted || pastScheduleToClose)
        {
            var final = failure.Kind == "Timeout" || pastScheduleToClose ? EventType.ActivityTaskTimedOut : EventType.ActivityTaskFailed;
            var f = pastScheduleToClose && failure.Kind != "Timeout" ? failure with { Kind = "Timeout", Type = "ScheduleToClose", Message = $"schedule-to-close timeout after: {failure.Message}" } : failure;
            await ResolveAsync(t, new HistoryEvent { EventType = final, Identity = WorkerId, Failure = f }).ConfigureAwait(false);
            return;
        }

        logger.LogWarning("Activity {Activity} of {WorkflowId} attempt {Attempt} failed: {Message}; retrying in {Delay}", t.ActivityType, t.WorkflowId, t.Attempt, failure.Message, delay);
        CrashPoints.Hit("activity-retry-before");
        await store.RetryActivityAsync(t.Key, t.Attempt, failure, now + delay, CancellationToken.None).ConfigureAwait(false);
        CrashPoints.Hit("activity-retry-after");
    }

    private async Task HandleExpiredAsync(ActivityTaskRecord t)
    {
        if (running.ContainsKey((t.Key, t.Attempt)))
        {
            // Running here: its own timer reports the time-out.
            return;
        }

        if (t.Owner is null)
        {
            await ResolveAsync(t, new HistoryEvent { EventType = EventType.ActivityTaskTimedOut, Identity = WorkerId, Failure = new FailureInfo { Message = $"activity '{t.ActivityType}' was not started within its schedule-to-start timeout", Kind = "Timeout", Type = "ScheduleToStart" } }).ConfigureAwait(false);
            return;
        }

        var heartbeatLate = t.Options.Heartbeat is { } hb && (t.LastHeartbeat ?? t.AttemptStartedTime ?? t.ScheduledTime) + hb <= store.Time.GetUtcNow();
        await FailAttemptAsync(t, new FailureInfo { Message = $"activity '{t.ActivityType}' attempt {t.Attempt} timed out (worker {t.Owner})", Kind = "Timeout", Type = heartbeatLate ? "Heartbeat" : "StartToClose" }, false).ConfigureAwait(false);
    }

    /// <summary>
    /// Records an activity's final outcome. When this worker has the run's live instance, the outcome goes straight into the
    /// run's next workflow task, which records it in the same transaction as the commands that follow it (one durable commit
    /// per step instead of two). Otherwise, or if that task cannot take it, it is written to the run's inbox on its own.
    /// </summary>
    private async Task ResolveAsync(ActivityTaskRecord t, HistoryEvent outcome)
    {
        CrashPoints.Hit("activity-resolve-before");
        if (cache.Contains(t.RunId))
        {
            localOutcomes.GetOrAdd(t.RunId, static _ => new ConcurrentQueue<LocalOutcome>()).Enqueue(new LocalOutcome(t, outcome));
            if (Enqueue(t.RunId))
            {
                return;
            }

            // Shutting down: no workflow task will take it.
            await WriteOutcomesAsync(TakeLocalOutcomes(t.RunId), enqueue: false).ConfigureAwait(false);
            return;
        }

        await WriteOutcomesAsync([new LocalOutcome(t, outcome)], enqueue: true).ConfigureAwait(false);
    }

    /// <summary>Takes the outcomes of activities waiting to be recorded by the run's next workflow task.</summary>
    private List<LocalOutcome> TakeLocalOutcomes(string runId)
    {
        var taken = new List<LocalOutcome>();
        if (localOutcomes.TryGetValue(runId, out var q))
        {
            while (q.TryDequeue(out var o))
            {
                taken.Add(o);
            }
        }

        return taken;
    }

    /// <summary>Writes outcomes to the runs' inboxes on their own (the path when no workflow task records them).</summary>
    private async Task WriteOutcomesAsync(IReadOnlyList<LocalOutcome> outcomes, bool enqueue)
    {
        foreach (var o in outcomes)
        {
            var resolution = await store.ResolveActivityAsync(o.Task.Key, o.Task.Attempt, o.Outcome, WorkerId, CancellationToken.None).ConfigureAwait(false);
            CrashPoints.Hit("activity-resolve-after");
            if (resolution == ActivityResolution.ResolvedLocal && enqueue)
            {
                Enqueue(o.Task.RunId);
            }
        }
    }

    /// <summary>An activity's final outcome, waiting for its run's next workflow task.</summary>
    private sealed record LocalOutcome(ActivityTaskRecord Task, HistoryEvent Outcome);
}
