using System.Diagnostics;
using System.Globalization;

namespace DurableDelivery.E2E.Tests.Support;

/// <summary>
/// SIGSTOPs processes (a hung instance: alive, so not restarted, but it answers nothing, so its health checks fail) and
/// SIGCONTs them on dispose, so that cleanup can stop them.
/// </summary>
public sealed class Freeze : IDisposable
{
    private readonly IReadOnlyList<int> pids;

    public Freeze(IEnumerable<int> pids)
    {
        this.pids = [.. pids];
        Signal("STOP").ShouldBe(0, $"kill -STOP {string.Join(' ', this.pids)}");
    }

    /// <summary>Lets the processes run again.</summary>
    public void Dispose() => Signal("CONT");

    private int Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", .. pids.Select(p => p.ToString(CultureInfo.InvariantCulture))]);
        kill.WaitForExit();
        return kill.ExitCode;
    }
}
