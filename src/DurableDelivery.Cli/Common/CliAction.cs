using System.CommandLine;
using System.CommandLine.Invocation;
using DurableDelivery.Engine.Exceptions;

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

    /// <summary>Writes one error line to stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(int exitCode, string message)
    {
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Console.Error.WriteLine($"error: {line}");
        return exitCode;
    }

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
    public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var command = CommandPath(parseResult);
        if (ParseProblem(parseResult, command) is { } problem)
        {
            return Fail(ExitCodes.BadInput, problem);
        }

        try
        {
            return await handler(parseResult, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException e) when (e.Problems.Count > 1)
        {
            foreach (var line in e.Problems)
            {
                Fail(e.ExitCode, line);
            }

            return e.ExitCode;
        }
        catch (CliException e)
        {
            return Fail(e.ExitCode, e.Message);
        }
        catch (WorkflowNotFoundException e)
        {
            return Fail(ExitCodes.NotFound, e.Message);
        }
        catch (StoreException e)
        {
            return Fail(ExitCodes.StoreProblem, e.Message);
        }
        catch (WorkflowUpdateFailedException e)
        {
            return Fail(e.Rejected ? ExitCodes.BadInput : ExitCodes.WorkflowFailed, e.Message);
        }
        catch (Exception e) when (e is WorkflowQueryFailedException or WorkflowFailedException)
        {
            return Fail(ExitCodes.WorkflowFailed, e.Message);
        }
        catch (Exception e) when (e is WorkflowAlreadyStartedException or WorkflowClosedException or HistoryLimitExceededException or ArgumentException)
        {
            // The engine reports unknown signal/query/update names and payload limits as ArgumentException.
            return Fail(ExitCodes.BadInput, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(ExitCodes.Interrupted, $"{command} interrupted.");
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("DD_DEBUG") != "1")
        {
            return Fail(ExitCodes.InternalError, $"{command} failed unexpectedly: {e.GetType().Name}: {e.Message} (run with DD_DEBUG=1 for the stack trace).");
        }
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
