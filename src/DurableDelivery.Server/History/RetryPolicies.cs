using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;

namespace DurableDelivery.Server.History;

/// <summary>Temporal's retry rules (common/retrypolicy, service/history/workflow/retry.go).</summary>
internal static class RetryPolicies
{
    /// <summary>A retry decision.</summary>
    public readonly record struct Decision(bool Retry, long DelayMs, RetryState State);

    /// <summary>Fills Temporal's defaults: 1 s initial, coefficient 2, maximum 100 x initial, unlimited attempts.
    /// </summary>
    public static RetryPolicy WithDefaults(RetryPolicy? policy)
    {
        var p = policy?.Clone() ?? new RetryPolicy();
        if (p.InitialInterval is null || Time.Nanos.Ms(p.InitialInterval) <= 0)
        {
            p.InitialInterval = Time.Nanos.ToDuration(1000);
        }

        if (p.BackoffCoefficient <= 0)
        {
            p.BackoffCoefficient = 2.0;
        }

        if (p.MaximumInterval is null || Time.Nanos.Ms(p.MaximumInterval) <= 0)
        {
            p.MaximumInterval = Time.Nanos.ToDuration(100 * Time.Nanos.Ms(p.InitialInterval));
        }

        return p;
    }

    /// <summary>Whether attempt <paramref name="attempt"/>'s failure is retried, after how long, and why not.</summary>
    /// <param name="policy">The policy with defaults filled.</param>
    /// <param name="attempt">The attempt that failed (1-based).</param>
    /// <param name="failure">Its failure.</param>
    /// <param name="now">Now, Unix nanoseconds.</param>
    /// <param name="expiry">When retries must stop (schedule-to-close or execution expiry), Unix nanoseconds.</param>
    public static Decision Decide(RetryPolicy policy, int attempt, Failure? failure, long now, long? expiry)
    {
        if (failure?.ApplicationFailureInfo is { NonRetryable: true })
        {
            return new(false, 0, RetryState.NonRetryableFailure);
        }

        if (failure?.TimeoutFailureInfo is { } timeout && timeout.TimeoutType is TimeoutType.ScheduleToStart
            or TimeoutType.ScheduleToClose)
        {
            return new(false, 0, RetryState.Timeout);
        }

        if (failure?.CanceledFailureInfo is not null || failure?.TerminatedFailureInfo is not null)
        {
            return new(false, 0, RetryState.NonRetryableFailure);
        }

        var type = failure?.ApplicationFailureInfo?.Type;
        if (type is not null && policy.NonRetryableErrorTypes.Contains(type))
        {
            return new(false, 0, RetryState.NonRetryableFailure);
        }

        if (policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts)
        {
            return new(false, 0, RetryState.MaximumAttemptsReached);
        }

        long delay;
        if (failure?.ApplicationFailureInfo?.NextRetryDelay is { } next && Time.Nanos.Ms(next) > 0)
        {
            delay = Time.Nanos.Ms(next);
        }
        else
        {
            var initial = (double)Time.Nanos.Ms(policy.InitialInterval);
            var computed = initial * Math.Pow(policy.BackoffCoefficient, attempt - 1);
            delay = (long)Math.Min(computed, Time.Nanos.Ms(policy.MaximumInterval));
        }

        if (expiry is { } end && now + (delay * 1_000_000) > end)
        {
            return new(false, 0, RetryState.Timeout);
        }

        return new(true, delay, RetryState.InProgress);
    }
}
