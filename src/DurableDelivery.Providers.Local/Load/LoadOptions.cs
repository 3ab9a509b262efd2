namespace DurableDelivery.Providers.Local.Load;

/// <summary>What <see cref="LoadGenerator"/> sends: an open-loop stream of GET requests at a steady rate.</summary>
public sealed record LoadOptions
{
    /// <summary>Gets the base address to send to, e.g. a listener's <c>http://127.0.0.1:5080</c>.</summary>
    public required Uri Target { get; init; }

    /// <summary>Gets the steady request rate.</summary>
    /// <value>The default is 100 requests per second.</value>
    public int RequestsPerSecond { get; init; } = 100;

    /// <summary>Gets how long to send.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the path (and query) each request asks for.</summary>
    /// <value>The default is <c>/</c>.</value>
    public string Path { get; init; } = "/";

    /// <summary>Gets the most requests in flight at once; a request due while that many are in flight is counted as skipped, not queued.</summary>
    /// <value>The default is 512.</value>
    public int MaxConcurrency { get; init; } = 512;

    /// <summary>Gets how long one request may take before it counts as failed.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Lists every problem with these options, each naming the value and the fix.</summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RequestsPerSecond is < 1 or > 100_000)
        {
            errors.Add($"Rate {RequestsPerSecond} req/s is outside 1-100000. Pass --rps between 1 and 100000.");
        }

        if (Duration <= TimeSpan.Zero)
        {
            errors.Add($"Duration {Duration} must be positive. Pass e.g. --duration 10s.");
        }

        if (MaxConcurrency < 1)
        {
            errors.Add($"Max concurrency {MaxConcurrency} must be at least 1.");
        }

        if (!Path.StartsWith('/'))
        {
            errors.Add($"Path '{Path}' must start with '/'.");
        }

        return errors;
    }
}
