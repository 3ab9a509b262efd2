namespace DurableDelivery.Providers;

/// <summary>The provider could not be reached or is not running. Always retryable with the same idempotency key.</summary>
public sealed class InfraProviderUnavailableException : InfraProviderException
{
    /// <summary>Initializes a new instance of the <see cref="InfraProviderUnavailableException"/> class.</summary>
    /// <param name="message">One line naming the problem and how to fix it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public InfraProviderUnavailableException(string message, Exception? innerException)
        : base(InfraProviderErrorReason.ProviderUnavailable, message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraProviderUnavailableException"/> class.</summary>
    public InfraProviderUnavailableException()
        : base(InfraProviderErrorReason.ProviderUnavailable, "The infrastructure provider is unavailable.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraProviderUnavailableException"/> class.</summary>
    /// <param name="message">The message.</param>
    public InfraProviderUnavailableException(string message)
        : base(InfraProviderErrorReason.ProviderUnavailable, message)
    {
    }
}
