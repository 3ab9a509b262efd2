namespace DurableDelivery.Cli.Common;

/// <summary>The exit codes of <c>ddctl</c>; scripts branch on them, so they never change meaning.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad input: an unknown option or command, malformed JSON, wrong argument shape, an unknown signal/query/update name, a rejected update, a closed or already started workflow.</summary>
    public const int BadInput = 1;

    /// <summary>No workflow (or run) with the given id.</summary>
    public const int NotFound = 2;

    /// <summary>The Temporal server cannot be reached, or refused the connection or the call (address, namespace, TLS, API key); or the embedded server could not be started.</summary>
    public const int StoreProblem = 3;

    /// <summary>The operation ran but the workflow did not succeed: it failed, was canceled or terminated (start --wait), an update handler failed, or a query failed or went unanswered.</summary>
    public const int WorkflowFailed = 4;

    /// <summary>
    /// Nothing answered: no worker picked a delivery command up within <c>--timeout</c> (env, deliver, delivery), or no
    /// local provider runs on the data dir (<c>ddctl local</c>).
    /// </summary>
    public const int Unavailable = 5;

    /// <summary>A bug in ddctl or the SDK (an unexpected exception); DD_DEBUG=1 shows the stack trace.</summary>
    public const int InternalError = 70;

    /// <summary>Interrupted by Ctrl+C or SIGTERM before the command finished.</summary>
    public const int Interrupted = 130;

    /// <summary>The help text that documents the codes.</summary>
    public const string Help = "Exit codes: 0 ok, 1 bad input, 2 workflow not found, 3 no Temporal server (cannot connect: address, namespace, TLS, API key), 4 workflow/update/query failed, 70 internal error, 130 interrupted.";
}
