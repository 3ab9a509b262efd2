using System.Diagnostics;
using System.Globalization;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>
/// Fault injection for crash tests of the provider process: with <c>DD_PROVIDER_CRASH_AT=&lt;name&gt;[:&lt;n&gt;]</c> in its
/// environment, the provider kills itself with SIGKILL the n-th time (default 1) it passes the named point. Off (and free)
/// when the variable is unset.
/// </summary>
/// <remarks>
/// The engine's worker has its own points (<c>DD_CRASH_POINT</c>); the provider reads a variable of its own so that a
/// worker under a crash test, which may start the provider and so pass its environment on, never kills the provider too.
/// </remarks>
internal static class CrashPoints
{
    /// <summary>The environment variable that arms a crash point.</summary>
    public const string Variable = "DD_PROVIDER_CRASH_AT";

    /// <summary>An instance process was started and its pid is not saved in <c>state.json</c> yet.</summary>
    public const string InstanceSpawned = "instance-spawned";

    private static readonly string? Name;
    private static readonly int At;
    private static int hits;

    static CrashPoints()
    {
        var spec = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(spec))
        {
            return;
        }

        var parts = spec.Split(':');
        Name = parts[0];
        At = parts.Length > 1 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var n) ? n : 1;
    }

    /// <summary>Every point the provider can be killed at.</summary>
    public static IReadOnlyList<string> All { get; } = [InstanceSpawned];

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
