using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>How <see cref="ActivityCallerWorkflow"/> calls one activity.</summary>
/// <param name="Activity">The activity's name.</param>
/// <param name="MaximumAttempts">The retry policy's maximum attempts (0 = unlimited).</param>
/// <param name="NonRetryableErrorType">An error type the policy does not retry, if any.</param>
/// <param name="StartToCloseMs">Start-to-close timeout.</param>
/// <param name="HeartbeatMs">Heartbeat timeout, 0 for none.</param>
/// <param name="ScheduleToCloseMs">Schedule-to-close timeout, 0 for none.</param>
/// <param name="InitialIntervalMs">The retry policy's first backoff (its coefficient is 1).</param>
public sealed record ActivityCall(
    string Activity, int MaximumAttempts, string? NonRetryableErrorType, int StartToCloseMs, int HeartbeatMs = 0,
    int ScheduleToCloseMs = 0, int InitialIntervalMs = 10);

/// <summary>Calls one activity with a fast retry policy and returns its result; a failure fails the workflow.</summary>
[Workflow]
public class ActivityCallerWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(ActivityCall call) =>
        Workflow.ExecuteActivityAsync<string>(call.Activity, [], new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromMilliseconds(call.StartToCloseMs),
            HeartbeatTimeout = call.HeartbeatMs > 0 ? TimeSpan.FromMilliseconds(call.HeartbeatMs) : null,
            ScheduleToCloseTimeout =
                call.ScheduleToCloseMs > 0 ? TimeSpan.FromMilliseconds(call.ScheduleToCloseMs) : null,
            RetryPolicy = new RetryPolicy
            {
                InitialInterval = TimeSpan.FromMilliseconds(call.InitialIntervalMs),
                BackoffCoefficient = 1,
                MaximumAttempts = call.MaximumAttempts,
                NonRetryableErrorTypes = call.NonRetryableErrorType is { } type ? [type] : null,
            },
        });
}

/// <summary>Calls an activity that always fails and reports, from inside the workflow, what it caught.</summary>
[Workflow]
public class CatchActivityFailureWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(int maximumAttempts)
    {
        try
        {
            await Workflow.ExecuteActivityAsync((FlakyActivities a) => a.AlwaysFails(), new ActivityOptions
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new RetryPolicy
                {
                    InitialInterval = TimeSpan.FromMilliseconds(10),
                    BackoffCoefficient = 1,
                    MaximumAttempts = maximumAttempts,
                },
            });
            return "no failure";
        }
        catch (ActivityFailureException e)
        {
            var cause = e.InnerException as ApplicationFailureException;
            return $"{e.RetryState}|{cause?.ErrorType}|{cause?.Message}";
        }
    }
}

/// <summary>
/// Runs a heartbeating activity until told to cancel it, then waits for the activity's outcome: cancelled, or (when
/// the activity fails instead of accepting the cancellation) the failure's retry state and message.
/// </summary>
[Workflow]
public class CancelActivityWorkflow
{
    private bool cancel;

    [WorkflowRun]
    public async Task<string> RunAsync(bool failOnCancel)
    {
        using var source = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        var activity = Workflow.ExecuteActivityAsync(
            (FlakyActivities a) => a.HeartbeatUntilCancelledAsync(failOnCancel),
            new ActivityOptions
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
                HeartbeatTimeout = TimeSpan.FromSeconds(1),
                CancellationToken = source.Token,
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
            });
        await Workflow.WaitConditionAsync(() => cancel);
        source.Cancel();
        try
        {
            await activity;
            return "completed";
        }
        catch (ActivityFailureException e) when (e.InnerException is CanceledFailureException)
        {
            return "cancelled";
        }
        catch (ActivityFailureException e)
        {
            return $"{e.RetryState}|{e.InnerException?.Message}";
        }
    }

    [WorkflowSignal]
    public Task CancelActivityAsync()
    {
        cancel = true;
        return Task.CompletedTask;
    }
}

/// <summary>Activities that fail, heartbeat, block or complete elsewhere; each instance records what it saw.</summary>
public sealed class FlakyActivities
{
    /// <summary>Attempt numbers seen, in order.</summary>
    public ConcurrentQueue<int> Attempts { get; } = new();

    /// <summary>Set when a blocking or heartbeating activity has started (its info).</summary>
    public TaskCompletionSource<ActivityInfo> Started { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set with the cancel reason when an activity saw its cancellation.</summary>
    public TaskCompletionSource<ActivityCancelReason> Cancelled { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Fails attempts 1 and 2, succeeds on 3.</summary>
    [Activity]
    public string FailTwice()
    {
        var attempt = ActivityExecutionContext.Current.Info.Attempt;
        Attempts.Enqueue(attempt);
        if (attempt < 3)
        {
            throw new ApplicationFailureException($"attempt {attempt} fails", "Flaky");
        }

        return $"succeeded on attempt {attempt}";
    }

    /// <summary>Fails every attempt with error type Flaky.</summary>
    [Activity]
    public string AlwaysFails()
    {
        var attempt = ActivityExecutionContext.Current.Info.Attempt;
        Attempts.Enqueue(attempt);
        throw new ApplicationFailureException($"attempt {attempt} fails", "Flaky");
    }

    /// <summary>Fails with error type Fatal (made non-retryable by the caller's policy).</summary>
    [Activity]
    public string FailsFatally()
    {
        Attempts.Enqueue(ActivityExecutionContext.Current.Info.Attempt);
        throw new ApplicationFailureException("this cannot work", "Fatal");
    }

    /// <summary>Attempt 1 heartbeats its progress and fails; attempt 2 returns the progress it was given.</summary>
    [Activity]
    public async Task<string> ResumeFromHeartbeatAsync()
    {
        var context = ActivityExecutionContext.Current;
        Attempts.Enqueue(context.Info.Attempt);
        if (context.Info.Attempt == 1)
        {
            context.Heartbeat("progress-42");
            throw new ApplicationFailureException("failed after recording progress", "Flaky");
        }

        return context.Info.HeartbeatDetails.Count == 0
            ? "no details"
            : await context.Info.HeartbeatDetailAtAsync<string>(0);
    }

    /// <summary>Attempt 1 heartbeats its progress once, then goes silent; later attempts return the details.</summary>
    [Activity]
    public async Task<string> GoSilentAfterHeartbeatAsync()
    {
        var context = ActivityExecutionContext.Current;
        Attempts.Enqueue(context.Info.Attempt);
        if (context.Info.Attempt == 1)
        {
            context.Heartbeat("progress-7");
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }

        return context.Info.HeartbeatDetails.Count == 0
            ? "no details"
            : await context.Info.HeartbeatDetailAtAsync<string>(0);
    }

    /// <summary>Starts, then never heartbeats nor completes (until the worker shuts down).</summary>
    [Activity]
    public async Task<string> BlockAsync()
    {
        var context = ActivityExecutionContext.Current;
        Attempts.Enqueue(context.Info.Attempt);
        Started.TrySetResult(context.Info);
        await Task.Delay(Timeout.Infinite, context.CancellationToken);
        return "unreachable";
    }

    /// <summary>
    /// Heartbeats until its cancellation arrives (through a heartbeat's answer), reports it, then accepts it or (when
    /// told to) fails instead.
    /// </summary>
    [Activity]
    public async Task HeartbeatUntilCancelledAsync(bool failOnCancel)
    {
        var context = ActivityExecutionContext.Current;
        Started.TrySetResult(context.Info);
        try
        {
            for (var i = 0; ; i++)
            {
                context.Heartbeat(i);
                await Task.Delay(50, context.CancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            Cancelled.TrySetResult(context.CancelReason);
            if (failOnCancel)
            {
                throw new ApplicationFailureException("failed while being cancelled", "CleanupFailed");
            }

            throw;
        }
    }

    /// <summary>Leaves completion to someone else (async activity completion).</summary>
    [Activity]
    public string CompletedElsewhere()
    {
        Started.TrySetResult(ActivityExecutionContext.Current.Info);
        throw new CompleteAsyncException();
    }
}

/// <summary>Calls <see cref="FlakyActivities.CompletedElsewhere"/> and returns its result.</summary>
[Workflow]
public class AsyncCompletionWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync() =>
        Workflow.ExecuteActivityAsync((FlakyActivities a) => a.CompletedElsewhere(),
            new ActivityOptions { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
}

/// <summary>Schedules an activity on a queue nobody polls, with a short schedule-to-start timeout.</summary>
[Workflow]
public class UnpolledActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            return await Workflow.ExecuteActivityAsync<string>("NeverPolled", [], new ActivityOptions
            {
                TaskQueue = $"nobody-polls-{Workflow.Info.WorkflowId}",
                ScheduleToStartTimeout = TimeSpan.FromMilliseconds(300),
                StartToCloseTimeout = TimeSpan.FromSeconds(30),
            });
        }
        catch (ActivityFailureException e) when (e.InnerException is TimeoutFailureException timeout)
        {
            return $"{e.RetryState}|{timeout.TimeoutType}";
        }
    }
}

/// <summary>Runs activity "late" on a queue of its own (served by a worker the test starts later).</summary>
[Workflow]
public class LateActivityWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string activityQueue) =>
        Workflow.ExecuteActivityAsync(() => LateActivities.Hello(), new ActivityOptions
        {
            ActivityId = "late",
            TaskQueue = activityQueue,
            StartToCloseTimeout = TimeSpan.FromSeconds(30),
        });
}

/// <summary>The activity for <see cref="LateActivityWorkflow"/>.</summary>
public static class LateActivities
{
    /// <summary>Says hello.</summary>
    [Activity]
    public static string Hello() => "hello from the late worker";
}
