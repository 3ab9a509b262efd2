namespace DurableDelivery.Providers;

/// <summary>The common base of every provider error: a reason code, a one-line message saying how to fix it, and whether to retry.</summary>
/// <remarks>A call that throws a non-retryable <see cref="InfraProviderException"/> changed nothing.</remarks>
public class InfraProviderException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="InfraProviderException"/> class.</summary>
    /// <param name="reason">Why the call failed.</param>
    /// <param name="message">One line naming the problem and how to fix it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public InfraProviderException(InfraProviderErrorReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Initializes a new instance of the <see cref="InfraProviderException"/> class with <see cref="InfraProviderErrorReason.Internal"/>.</summary>
    public InfraProviderException()
        : this(InfraProviderErrorReason.Internal, "The infrastructure provider failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraProviderException"/> class with <see cref="InfraProviderErrorReason.Internal"/>.</summary>
    /// <param name="message">The message.</param>
    public InfraProviderException(string message)
        : this(InfraProviderErrorReason.Internal, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraProviderException"/> class with <see cref="InfraProviderErrorReason.Internal"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public InfraProviderException(string message, Exception innerException)
        : this(InfraProviderErrorReason.Internal, message, innerException)
    {
    }

    /// <summary>Gets why the call failed.</summary>
    public InfraProviderErrorReason Reason { get; }

    /// <summary>Gets a value indicating whether repeating the same call (same idempotency key) may succeed.</summary>
    public bool IsRetryable => IsRetryableReason(Reason);

    /// <summary>Tells whether a reason is worth retrying.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns><see langword="true"/> for <see cref="InfraProviderErrorReason.ProviderUnavailable"/>,
    /// <see cref="InfraProviderErrorReason.Internal"/> and <see cref="InfraProviderErrorReason.InfraSetNotHealthy"/>.</returns>
    public static bool IsRetryableReason(InfraProviderErrorReason reason) =>
        reason is InfraProviderErrorReason.ProviderUnavailable or InfraProviderErrorReason.Internal or InfraProviderErrorReason.InfraSetNotHealthy;

    /// <summary>Creates the exception type that matches a reason (rejections, unavailability, or the base type).</summary>
    /// <param name="reason">The reason.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    /// <returns>The exception to throw.</returns>
    public static InfraProviderException Create(InfraProviderErrorReason reason, string message, Exception? innerException = null) => reason switch
    {
        InfraProviderErrorReason.ProviderUnavailable => new InfraProviderUnavailableException(message, innerException),
        InfraProviderErrorReason.Internal => new InfraProviderException(reason, message, innerException),
        _ => new InfraRequestRejectedException(reason, message),
    };
}
