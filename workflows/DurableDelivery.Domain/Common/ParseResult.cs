namespace DurableDelivery.Domain.Common;

/// <summary>The outcome of parsing a declaration: the value when it is valid, and every problem found.</summary>
/// <typeparam name="T">The type of the declaration.</typeparam>
/// <remarks>
/// <see cref="Value"/> is set only when <see cref="Problems"/> is empty: a declaration with any problem is refused as a
/// whole, never used in part.
/// </remarks>
public sealed record ParseResult<T>
    where T : class
{
    /// <summary>Gets the parsed, validated value, or <see langword="null"/> when there were problems.</summary>
    public T? Value { get; init; }

    /// <summary>Gets every problem found, in the order of the input.</summary>
    public IReadOnlyList<DomainProblem> Problems { get; set; } = [];

    /// <summary>Gets a value indicating whether the input parsed and validated without problems.</summary>
    public bool IsValid => Value is not null && Problems.Count == 0;

    /// <summary>Returns the value, or throws an exception listing every problem.</summary>
    /// <returns>The parsed, validated value.</returns>
    /// <exception cref="DomainValidationException">The input had at least one problem.</exception>
    public T GetValueOrThrow() =>
        IsValid ? Value! : throw new DomainValidationException(Problems);

    internal static ParseResult<T> From(T? value, IReadOnlyList<DomainProblem> problems) =>
        problems.Count == 0 && value is not null
            ? new ParseResult<T> { Value = value }
            : new ParseResult<T> { Problems = problems };
}
