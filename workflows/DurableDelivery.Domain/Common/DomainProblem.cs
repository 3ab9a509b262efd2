namespace DurableDelivery.Domain.Common;

/// <summary>
/// One problem found while parsing or validating a declaration: a one-line message that names the item, the bad value
/// and the fix, with the line it was found on when the parser can tell.
/// </summary>
/// <remarks>
/// Validators in this library report every problem at once rather than stopping at the first, so a person can fix a
/// file in one pass (the style of YARP's configuration validator). Code must never parse <see cref="Message"/>.
/// </remarks>
public sealed record DomainProblem
{
    /// <summary>Gets the name of the input the problem was found in, e.g. <c>infra/environments/demo.yaml</c>.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the 1-based line of the problem, or <see langword="null"/> when it concerns the whole input.</summary>
    public int? Line { get; init; }

    /// <summary>Gets the one-line message: the item, the bad value and the fix.</summary>
    public required string Message { get; init; }

    /// <summary>Returns the problem as <c>source:line: message</c> (or <c>source: message</c> without a line).</summary>
    /// <returns>The problem as a single line, for logs and command-line output.</returns>
    public override string ToString() => Line is { } line ? $"{Source}:{line}: {Message}" : $"{Source}: {Message}";
}
