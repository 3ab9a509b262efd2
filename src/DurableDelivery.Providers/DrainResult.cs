namespace DurableDelivery.Providers;

/// <summary>The outcome of <see cref="IInfraProvider.DrainAsync"/>.</summary>
public sealed record DrainResult
{
    /// <summary>Gets whether the infra-set drained.</summary>
    public DrainStatus Status { get; init; }

    /// <summary>Gets how many requests were still in flight when the call returned.</summary>
    public int InFlight { get; init; }

    /// <summary>Gets how long the call waited.</summary>
    public TimeSpan Waited { get; init; }
}
