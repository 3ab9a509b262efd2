using System.Diagnostics;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Sends signals to child processes (Process.Kill only sends SIGKILL).</summary>
internal static class Posix
{
    public static void Terminate(int pid) => Signal("TERM", pid);

    /// <summary>Ctrl+C.</summary>
    public static void Interrupt(int pid) => Signal("INT", pid);

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed with exit code {kill.ExitCode}");
        }
    }
}
