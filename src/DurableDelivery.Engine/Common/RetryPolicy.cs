namespace DurableDelivery.Engine.Common;

/// <summary>How an activity (or a child workflow) is retried after a failure.</summary>
/// <remarks>
/// Defaults match Temporal: 1 s initial interval, coefficient 2, maximum interval 100x the initial interval,
/// unlimited attempts. The delay before retry <c>n</c> (1-based) is
/// <c>min(InitialInterval * BackoffCoefficient^(n-1), MaximumInterval)</c>.
/// </remarks>
public sealed record RetryPolicy
{
    /// <summary>Gets the delay before the first retry.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the factor the delay grows by after each retry.</summary>
    /// <value>The default is 2.0.</value>
    public float BackoffCoefficient { get; init; } = 2.0f;

    /// <summary>Gets the cap on the delay between retries.</summary>
    /// <value>The default is <c>null</c>, meaning 100x <see cref="InitialInterval"/>.</value>
    public TimeSpan? MaximumInterval { get; init; }

    /// <summary>Gets the maximum number of attempts, the first one included.</summary>
    /// <value>The default is 0, meaning unlimited. 1 means no retries.</value>
    public int MaximumAttempts { get; init; }

    /// <summary>Gets the error types (<see cref="Exceptions.ApplicationFailureException.ErrorType"/> or exception type names) that are never retried.</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyCollection<string>? NonRetryableErrorTypes { get; init; }

    /// <summary>Computes the delay before the next attempt.</summary>
    /// <param name="completedAttempts">The number of attempts that have already failed (1 after the first failure).</param>
    /// <returns>The delay to wait before starting attempt <paramref name="completedAttempts"/> + 1.</returns>
    public TimeSpan DelayAfter(int completedAttempts)
    {
        var max = MaximumInterval ?? TimeSpan.FromTicks(InitialInterval.Ticks * 100);
        var factor = Math.Pow(BackoffCoefficient, Math.Max(0, completedAttempts - 1));
        var ticks = InitialInterval.Ticks * factor;
        return ticks >= max.Ticks || double.IsInfinity(ticks) ? max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Checks the policy and returns every problem found, each naming the property, the value and the fix.</summary>
    /// <returns>An empty list when the policy is valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (InitialInterval <= TimeSpan.Zero)
        {
            errors.Add($"RetryPolicy.InitialInterval is {InitialInterval}; set it to a positive duration such as 1 second.");
        }

        if (BackoffCoefficient < 1)
        {
            errors.Add($"RetryPolicy.BackoffCoefficient is {BackoffCoefficient}; set it to 1.0 or more.");
        }

        if (MaximumInterval is { } m && m < InitialInterval)
        {
            errors.Add($"RetryPolicy.MaximumInterval ({m}) is below InitialInterval ({InitialInterval}); raise it or leave it null.");
        }

        if (MaximumAttempts < 0)
        {
            errors.Add($"RetryPolicy.MaximumAttempts is {MaximumAttempts}; use 0 for unlimited or a positive count.");
        }

        return errors;
    }
}
