using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DurableDelivery.Cli.Common;
using DurableDelivery.Cli.Delivery;

namespace DurableDelivery.Cli;

/// <summary>Entry point of <c>ddctl</c>.</summary>
public static class Program
{
    /// <summary>Builds the command tree and runs it.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> Main(string[] args)
    {
        OverrideControl.PrewarmFor(args);
        if (OverrideLine.TryRead(args) is { } line)
        {
            // An emergency override with a plain command line skips System.CommandLine's start-up; the same checks and
            // work follow as for the parsed command, and anything unusual goes the full parser's way below.
            return await RunInterruptibleAsync(line.CommandPath, ct => EnvCommands.OverrideAsync(line, ct)).ConfigureAwait(false);
        }

        return await ParseAndRunAsync(args).ConfigureAwait(false);
    }

    /// <summary>The full parser. A method of its own: precompiled code loads the types a method uses before it runs, and
    /// System.CommandLine's load is what the fast path above avoids.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Task<int> ParseAndRunAsync(string[] args)
    {
        var root = new RootCommand("ddctl: carry changes from pull request to production traffic as durable workflows.");
        foreach (var command in CommandGroups.For(args))
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args).InvokeAsync();
    }

    /// <summary>Runs a command's body with Ctrl-C and SIGTERM cancelling it, as System.CommandLine does for parsed commands.</summary>
    private static async Task<int> RunInterruptibleAsync(string command, Func<CancellationToken, Task<int>> body)
    {
        using var interrupted = new CancellationTokenSource();
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        return await CommandRun.RunAsync(command, body, interrupted.Token).ConfigureAwait(false);
    }
}
