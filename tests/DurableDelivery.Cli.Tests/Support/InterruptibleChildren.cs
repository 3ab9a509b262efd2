using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DurableDelivery.Cli.Tests.Support;

/// <summary>
/// The tests send SIGINT (Ctrl+C) to the ddctl processes they start. A test run started in the background by a shell
/// without job control (<c>dotnet test ... &amp;</c> in a script, some CI runners) ignores SIGINT, and every process it
/// starts inherits that, so ddctl would rightly ignore the tests' Ctrl+C. When this process ignores SIGINT, it puts the
/// default disposition back before any test runs, so its children start with the default, as from a terminal. A
/// disposition the runtime installed (a handler) is left alone: then SIGINT was not ignored.
/// </summary>
internal static class InterruptibleChildren
{
    private const int SigInt = 2;

    [ModuleInitializer]
    internal static void RestoreDefaultInterrupt()
    {
        if (OperatingSystem.IsLinux() && Posix.IgnoresInterrupt(Environment.ProcessId))
        {
            _ = Signal(SigInt, IntPtr.Zero); // SIG_DFL
        }
    }

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr Signal(int signum, IntPtr handler);
}
