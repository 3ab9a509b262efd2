using System.Diagnostics;

namespace DurableDelivery.Engine.Worker;

/// <summary>
/// Fault injection for crash tests: with <c>DD_CRASH_POINT=&lt;name&gt;:&lt;n&gt;</c> in the environment, the process kills
/// itself with SIGKILL the n-th time it passes the named point. Off (and free) when the variable is unset.
/// </summary>
internal static class CrashPoints
{
    private static readonly string? Name;
    private static readonly int At;
    private static int hits;

    static CrashPoints()
    {
        var spec = Environment.GetEnvironmentVariable("DD_CRASH_POINT");
        if (string.IsNullOrEmpty(spec))
        {
            return;
        }

        var parts = spec.Split(':');
        Name = parts[0];
        At = parts.Length > 1 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1;
    }

    /// <summary>Every point the worker can be killed at, before and after each kind of store write.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        "claim-workflows-after", "workflow-commit-before", "workflow-commit-after", "claim-activities-after",
        "activity-resolve-before", "activity-resolve-after", "activity-retry-before", "activity-retry-after", "heartbeat-after",
    ];

    public static void Hit(string name)
    {
        if (Name is null || !string.Equals(name, Name, StringComparison.Ordinal))
        {
            return;
        }

        if (Interlocked.Increment(ref hits) == At)
        {
            Console.Error.WriteLine($"crash point {name}:{At} reached: SIGKILL");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
