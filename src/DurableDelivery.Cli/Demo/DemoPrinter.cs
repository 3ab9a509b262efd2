using System.Diagnostics;
using System.Globalization;

namespace DurableDelivery.Cli.Demo;

/// <summary>
/// The demo's timeline on stdout: one line per event, <c>[ elapsed] step  what happened</c>, continuation lines
/// under it, and for each step the ddctl command that does it by hand (<c>by hand:</c>) with, where there is one, the
/// temporal CLI commands that do the same (<c>or:</c>), both against the demo's server.
/// </summary>
internal sealed class DemoPrinter
{
    private const string Indent = "                     ";
    private readonly long start = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset startUtc = DateTimeOffset.UtcNow;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(start);

    /// <summary>An event that happens now.</summary>
    public void Line(string step, string text) => Write(Elapsed, step, text);

    /// <summary>An event that happened at <paramref name="at"/> (e.g. a workflow's timeline entry).</summary>
    public void At(DateTimeOffset at, string step, string text) => Write(at - startUtc, step, text);

    /// <summary>A continuation line under the last event.</summary>
    public static void More(string text) => Console.Out.WriteLine(Indent + text);

    public static void ByHand(string command) => Console.Out.WriteLine($"{Indent}by hand: {command}");

    /// <summary>The temporal CLI commands that do what the <see cref="ByHand"/> line above does, one a line.</summary>
    public static void Or(params string[] commands)
    {
        for (var i = 0; i < commands.Length; i++)
        {
            Console.Out.WriteLine($"{Indent}{(i == 0 ? "     or: " : "         ")}{commands[i]}");
        }
    }

    /// <summary>The <see cref="Stopwatch"/> timestamp of a wall-clock time (workflow times are the worker's wall clock).</summary>
    public long Timestamp(DateTimeOffset at) => start + (long)((at - startUtc).TotalSeconds * Stopwatch.Frequency);

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    public static string Millis(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static void Write(TimeSpan elapsed, string step, string text)
    {
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{elapsed.TotalSeconds,6:0.0}s] {step,-12} {text}"));
        Console.Out.Flush();
    }
}
