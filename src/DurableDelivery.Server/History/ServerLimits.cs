namespace DurableDelivery.Server.History;

/// <summary>Temporal's limits and intervals, with Temporal's defaults (common/dynamicconfig/constants.go).</summary>
internal sealed record ServerLimits
{
    /// <summary>How long a task poll waits before an empty answer. The default is 60 seconds.</summary>
    public TimeSpan LongPollTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a history or update long poll waits. The default is 20 seconds.</summary>
    public TimeSpan HistoryLongPollTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A sticky queue without a poll for this long is bypassed. The default is 10 seconds.</summary>
    public TimeSpan StickyPollerWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest payload per request or event. The default is 2 MB.</summary>
    public int MaxPayloadBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Events per history before the run is terminated. The default is 51,200.</summary>
    public int MaxHistoryEvents { get; init; } = 51_200;

    /// <summary>Events per history before workers are told to continue as new. The default is 4,096.</summary>
    public int SuggestContinueAsNewEvents { get; init; } = 4_096;

    /// <summary>Signals per run. The default is 10,000.</summary>
    public int MaxSignalsPerRun { get; init; } = 10_000;

    /// <summary>Updates in flight per run. The default is 10.</summary>
    public int MaxUpdatesInFlight { get; init; } = 10;

    /// <summary>Updates per run. The default is 2,000.</summary>
    public int MaxUpdatesPerRun { get; init; } = 2_000;

    /// <summary>Pending activities, children, timers each. The default is 2,000.</summary>
    public int MaxPending { get; init; } = 2_000;

    /// <summary>Largest id or name. The default is 1,000 characters.</summary>
    public int MaxIdLength { get; init; } = 1_000;
}
