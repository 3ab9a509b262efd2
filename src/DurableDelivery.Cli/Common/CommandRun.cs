using DurableDelivery.Engine.Exceptions;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// How every <c>ddctl</c> command ends: expected failures become ONE line on stderr and an exit code from
/// <see cref="ExitCodes"/>, never a stack trace. (Apart from <see cref="CliAction"/> so that a command run without
/// System.CommandLine, <see cref="Delivery.OverrideLine"/>, does not load it.)
/// </summary>
internal static class CommandRun
{
    /// <summary>Writes one error line to stderr and returns <paramref name="exitCode"/>.</summary>
    public static int Fail(int exitCode, string message)
    {
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Console.Error.WriteLine($"error: {line}");
        return exitCode;
    }

    /// <summary>Runs a command's body: expected failures become one error line and their exit code, never a stack trace.</summary>
    /// <param name="command">The command path as typed, for messages (e.g. <c>ddctl env rollback</c>).</param>
    /// <param name="body">The command's work.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl-C / SIGTERM.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string command, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
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
}
