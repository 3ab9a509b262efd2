namespace DurableDelivery.Domain.Common;

/// <summary>Thrown when a declaration is used although it has problems; carries every problem.</summary>
public sealed class DomainValidationException : DomainException
{
    /// <summary>Initializes a new instance of the <see cref="DomainValidationException"/> class.</summary>
    /// <param name="problems">Every problem found; the message lists them one per line.</param>
    public DomainValidationException(IReadOnlyList<DomainProblem> problems)
        : base(string.Join('\n', problems.Select(p => p.ToString())))
    {
        Problems = problems;
    }

    /// <summary>Gets every problem found.</summary>
    public IReadOnlyList<DomainProblem> Problems { get; }
}
