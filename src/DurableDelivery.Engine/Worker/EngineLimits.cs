namespace DurableDelivery.Engine.Worker;

/// <summary>History and payload limits (Temporal's defaults), enforced by the worker and the client.</summary>
public sealed record EngineLimits
{
    /// <summary>Gets the history length at which <c>Workflow.ContinueAsNewSuggested</c> turns true.</summary>
    /// <value>The default is 4,096 events, well before <see cref="WarnHistoryEvents"/>.</value>
    public int SuggestContinueAsNewEvents { get; init; } = 4_096;

    /// <summary>Gets the history size in bytes at which <c>Workflow.ContinueAsNewSuggested</c> turns true.</summary>
    /// <value>The default is 4 MB.</value>
    public long SuggestContinueAsNewBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>Gets the history length at which the worker logs a warning.</summary>
    /// <value>The default is 10,240 events.</value>
    public int WarnHistoryEvents { get; init; } = 10_240;

    /// <summary>Gets the history length past which the run is terminated.</summary>
    /// <value>The default is 51,200 events.</value>
    public int MaxHistoryEvents { get; init; } = 51_200;

    /// <summary>Gets the history size in bytes past which the run is terminated.</summary>
    /// <value>The default is 50 MB.</value>
    public long MaxHistoryBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Gets the largest payload (arguments or result) accepted, in bytes.</summary>
    /// <value>The default is 2 MB.</value>
    public int MaxPayloadBytes { get; init; } = 2 * 1024 * 1024;
}
