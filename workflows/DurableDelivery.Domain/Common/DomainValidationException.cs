namespace DurableDelivery.Domain.Common;

/// <summary>Thrown when a declaration or value is used although it has problems; carries every problem.</summary>
public sealed class DomainValidationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DomainValidationException"/> class.</summary>
    /// <param name="problems">Every problem found; the message lists them one per line.</param>
    public DomainValidationException(IReadOnlyList<DomainProblem> problems)
        : base(string.Join('\n', problems.Select(p => p.ToString())))
    {
        Problems = problems;
    }

    /// <summary>Initializes a new instance of the <see cref="DomainValidationException"/> class.</summary>
    public DomainValidationException()
        : this([])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DomainValidationException"/> class.</summary>
    /// <param name="message">The message.</param>
    public DomainValidationException(string message)
        : base(message)
    {
        Problems = [];
    }

    /// <summary>Initializes a new instance of the <see cref="DomainValidationException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DomainValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    /// <summary>Gets every problem found.</summary>
    public IReadOnlyList<DomainProblem> Problems { get; }
}
