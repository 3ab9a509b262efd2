using DurableDelivery.Domain.Common;

namespace DurableDelivery.Domain.Traffic;

/// <summary>Thrown by <see cref="EnvironmentTransitions"/> when a transition would break an environment invariant; nothing changes.</summary>
public sealed class InvariantViolationException : DomainException
{
    /// <summary>Initializes a new instance of the <see cref="InvariantViolationException"/> class.</summary>
    /// <param name="violations">Every violation; the message lists them.</param>
    public InvariantViolationException(IReadOnlyList<InvariantViolation> violations)
        : base(string.Join("; ", violations.Select(v => v.ToString())))
    {
        Violations = violations;
    }

    /// <summary>Gets every violation.</summary>
    public IReadOnlyList<InvariantViolation> Violations { get; }
}
