namespace DurableDelivery.Providers.Aws.Query;

/// <summary>How the Query clients retry throttling, 5xx responses and network failures: capped exponential backoff with
/// full jitter.</summary>
/// <remarks>
/// The delay before retry <c>n</c> (1-based) is a uniform random value from zero to
/// <c>min(MaxDelay, BaseDelay * 2^(n-1))</c>, as in AWS's own SDKs, so many workers throttled at once spread out.
/// </remarks>
public sealed record AwsRetryOptions
{
    /// <summary>Gets how many attempts one call makes at most.</summary>
    /// <value>The default is 5. Allowed: 1 to 20.</value>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Gets the backoff base.</summary>
    /// <value>The default is 100 ms.</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets the longest delay between two attempts.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Computes the jittered delay before a retry.</summary>
    /// <param name="retry">The retry number, 1 for the first retry.</param>
    /// <param name="random">The random source.</param>
    /// <returns>The delay, from zero to the capped exponential bound.</returns>
    public TimeSpan DelayBefore(int retry, Random random)
    {
        var exponent = Math.Min(retry - 1, 30);
        var bound = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(random.NextDouble() * bound);
    }
}
