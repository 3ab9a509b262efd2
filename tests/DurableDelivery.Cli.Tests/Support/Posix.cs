using System.Diagnostics;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Sends signals to child processes (Process.Kill only sends SIGKILL).</summary>
internal static class Posix
{
    public static void Terminate(int pid) => Signal("TERM", pid);

    /// <summary>Ctrl+C.</summary>
    public static void Interrupt(int pid)
    {
        // A process started in the background by a shell without job control (`cmd &` in a script, nohup) ignores SIGINT,
        // and its children inherit that; ddctl then rightly keeps running. Say so rather than fail on an exit code.
        if (IgnoresInterrupt(pid))
        {
            throw new InvalidOperationException(
                $"process {pid} ignores SIGINT: it inherited SIG_IGN (a test run started in the background without job control ignores SIGINT, and InterruptibleChildren could not restore the default); run the tests in the foreground.");
        }

        Signal("INT", pid);
    }

    /// <summary>Whether the process ignores SIGINT (bit 2 of the SigIgn mask in /proc/PID/status).</summary>
    internal static bool IgnoresInterrupt(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }

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
