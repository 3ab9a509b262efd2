using System.CommandLine;
using System.CommandLine.Invocation;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// The action behind every <c>ddctl</c> command: it turns parse errors and expected failures into ONE line on stderr
/// and an exit code from <see cref="ExitCodes"/>, and never prints a stack trace for them.
/// </summary>
/// <remarks>
/// <see cref="ClearsParseErrors"/> is true so that System.CommandLine hands us unknown options instead of printing its
/// multi-line error-plus-help block; the action reports them itself.
/// </remarks>
internal sealed class CliAction(Func<ParseResult, CancellationToken, Task<int>> handler) : AsynchronousCommandLineAction
{
    /// <inheritdoc />
    public override bool ClearsParseErrors => true;

    /// <summary>The command path as typed, e.g. <c>ddctl workflow signal</c>.</summary>
    public static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var r = parseResult.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command is RootCommand ? "ddctl" : r.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <inheritdoc />
    public override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var command = CommandPath(parseResult);
        return ParseProblem(parseResult, command) is { } problem
            ? Task.FromResult(CommandRun.Fail(ExitCodes.BadInput, problem))
            : CommandRun.RunAsync(command, ct => handler(parseResult, ct), cancellationToken);
    }

    private static string? ParseProblem(ParseResult parseResult, string command)
    {
        var help = $"see '{command} --help'";
        var unmatched = parseResult.UnmatchedTokens;
        if (unmatched.Count > 0)
        {
            var token = unmatched[0];
            var subcommands = parseResult.CommandResult.Command.Subcommands;
            if (subcommands.Count > 0 && !token.StartsWith('-'))
            {
                return $"unknown command '{token}' for '{command}'; commands: {string.Join(", ", subcommands.Select(c => c.Name))}; {help}.";
            }

            return token.StartsWith('-')
                ? $"unknown option '{token}' for '{command}'; {help}."
                : $"unexpected argument '{token}' for '{command}' (pass values through options, e.g. --input '\"text\"'); {help}.";
        }

        if (parseResult.Errors.Count > 0)
        {
            return $"{parseResult.Errors[0].Message.TrimEnd('.')}; {help}.";
        }

        return null;
    }
}
