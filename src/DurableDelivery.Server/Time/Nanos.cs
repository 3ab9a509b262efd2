using Google.Protobuf.WellKnownTypes;

namespace DurableDelivery.Server.Time;

/// <summary>Conversions between Unix nanoseconds (how the store keeps time) and the types around it.</summary>
internal static class Nanos
{
    /// <summary>Unix nanoseconds of a time.</summary>
    public static long From(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    /// <summary>The time of Unix nanoseconds.</summary>
    public static DateTimeOffset ToTime(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);

    /// <summary>A protobuf timestamp of Unix nanoseconds.</summary>
    public static Timestamp ToTimestamp(long nanos) =>
        new() { Seconds = Math.DivRem(nanos, 1_000_000_000, out var rem), Nanos = (int)rem };

    /// <summary>Unix nanoseconds of a protobuf timestamp.</summary>
    public static long FromTimestamp(Timestamp ts) => (ts.Seconds * 1_000_000_000) + ts.Nanos;

    /// <summary>Milliseconds of a protobuf duration (0 when null).</summary>
    public static long Ms(Duration? d) => d is null ? 0 : (d.Seconds * 1000) + (d.Nanos / 1_000_000);

    /// <summary>A protobuf duration of milliseconds.</summary>
    public static Duration ToDuration(long ms) => Duration.FromTimeSpan(TimeSpan.FromMilliseconds(ms));
}
