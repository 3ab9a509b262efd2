using System.Diagnostics;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>Sends signals to child processes (Process.Kill only sends SIGKILL).</summary>
internal static class Posix
{
    public static void Terminate(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {pid} failed with exit code {kill.ExitCode}");
        }
    }
}
