using Temporalio.Exceptions;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// How every <c>ddctl</c> command ends: expected failures become ONE line on stderr and an exit code from
/// <see cref="ExitCodes"/>, never a stack trace. (Apart from <see cref="CliAction"/> so that a command run without
/// System.CommandLine could reuse it.)
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
        catch (RpcException e) when (NamespaceNotFound(e) is { } ns)
        {
            return Fail(
                ExitCodes.StoreProblem,
                $"namespace '{ns}' does not exist on this Temporal server; pass an existing one with --namespace (or TEMPORAL_NAMESPACE), e.g. --namespace default.");
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            return Fail(ExitCodes.NotFound, e.Message);
        }
        catch (RpcException e) when (e.Code is RpcException.StatusCode.InvalidArgument or RpcException.StatusCode.FailedPrecondition or RpcException.StatusCode.AlreadyExists or RpcException.StatusCode.OutOfRange)
        {
            return Fail(ExitCodes.BadInput, e.Message);
        }
        catch (RpcException e) when (e.Code is RpcException.StatusCode.Unavailable or RpcException.StatusCode.Unauthenticated or RpcException.StatusCode.PermissionDenied)
        {
            return Fail(ExitCodes.StoreProblem, $"the Temporal server refused or dropped the call ({e.Code}): {e.Message}; check --address, --namespace and the TLS/API-key settings.");
        }
        catch (WorkflowAlreadyStartedException e)
        {
            return Fail(ExitCodes.BadInput, $"workflow {e.WorkflowId} is already running (run {e.RunId}); pick another --workflow-id, or see it with: ddctl workflow describe -w {e.WorkflowId}.");
        }
        catch (Exception e) when (e is WorkflowUpdateRpcTimeoutOrCanceledException or RpcTimeoutOrCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Fail(ExitCodes.Unavailable, $"the server did not answer in time ({e.Message}); is a worker running? the request may still be applied later.");
        }
        catch (WorkflowUpdateFailedException e)
        {
            return Fail(ExitCodes.WorkflowFailed, $"update failed: {e.InnerException?.Message ?? e.Message}");
        }
        catch (WorkflowQueryRejectedException e)
        {
            return Fail(ExitCodes.BadInput, $"query rejected: the workflow is {e.WorkflowStatus}.");
        }
        catch (WorkflowQueryFailedException e)
        {
            return Fail(ExitCodes.WorkflowFailed, $"query failed: {e.Message}");
        }
        catch (WorkflowFailedException e)
        {
            return Fail(ExitCodes.WorkflowFailed, $"workflow failed: {e.InnerException?.Message ?? e.Message}");
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

    /// <summary>The namespace of Temporal's "namespace not found" error (a NotFound with NamespaceNotFoundFailure details), else null.</summary>
    public static string? NamespaceNotFound(RpcException e) =>
        e.Code == RpcException.StatusCode.NotFound
        && e.GrpcStatus.Value?.Details is { } details
        && details.Select(d => d.TryUnpack(out Temporalio.Api.ErrorDetails.V1.NamespaceNotFoundFailure f) ? f : null).FirstOrDefault(f => f is not null) is { } failure
            ? failure.Namespace
            : null;
}
