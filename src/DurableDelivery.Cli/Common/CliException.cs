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

    /// <summary>Initializes a new instance of the <see cref="CliException"/> class for several problems found at once (e.g. every problem of a file).</summary>
    /// <param name="exitCode">The exit code.</param>
    /// <param name="problems">The problems, each printed as its own one-line error.</param>
    public CliException(int exitCode, IReadOnlyList<string> problems)
        : base(string.Join(" | ", problems))
    {
        ExitCode = exitCode;
        Problems = problems;
    }

    /// <summary>Gets the process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>Gets the problems, each printed as its own <c>error:</c> line; one (the message) unless several were found at once.</summary>
    public IReadOnlyList<string> Problems { get; } = [];

    public static CliException BadInput(string message) => new(ExitCodes.BadInput, message);
}
