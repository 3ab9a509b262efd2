namespace DurableDelivery.Cli.Common;

/// <summary>An expected error: printed as one line on stderr (no stack trace) and turned into <see cref="ExitCode"/>.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message)
        : base(message) => ExitCode = exitCode;

    public CliException()
        : this(ExitCodes.BadInput, "bad input")
    {
    }

    public CliException(string message)
        : this(ExitCodes.BadInput, message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = ExitCodes.BadInput;

    /// <summary>Gets the process exit code.</summary>
    public int ExitCode { get; }

    public static CliException BadInput(string message) => new(ExitCodes.BadInput, message);
}
