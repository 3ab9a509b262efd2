namespace DurableDelivery.Domain.Common;

/// <summary>
/// The base of every exception this library throws, so callers can catch the domain's refusals in one place.
/// </summary>
/// <remarks>Validators return problems rather than throw; exceptions are for values used although they are invalid.</remarks>
public abstract class DomainException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DomainException"/> class.</summary>
    /// <param name="message">The message: every problem, one per line or separated by semicolons.</param>
    protected DomainException(string message)
        : base(message)
    {
    }
}
