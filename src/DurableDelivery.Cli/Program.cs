using System.CommandLine;

namespace DurableDelivery.Cli;

/// <summary>Entry point of <c>ddctl</c>.</summary>
public static class Program
{
    /// <summary>Builds the command tree and runs it.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> Main(string[] args)
    {
        return await ParseAndRunAsync(args).ConfigureAwait(false);
    }

    /// <summary>The parser and the commands.</summary>
    private static Task<int> ParseAndRunAsync(string[] args)
    {
        var root = new RootCommand("ddctl: carry changes from pull request to production traffic as durable workflows.");
        foreach (var command in CommandGroups.For(args))
        {
            root.Subcommands.Add(command);
        }

        return root.Parse(args).InvokeAsync();
    }
}
