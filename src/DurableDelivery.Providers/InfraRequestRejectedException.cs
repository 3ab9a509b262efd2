namespace DurableDelivery.Providers;

/// <summary>The provider refused a request (bad input or a state that forbids it); nothing was changed.</summary>
public sealed class InfraRequestRejectedException : InfraProviderException
{
    /// <summary>Initializes a new instance of the <see cref="InfraRequestRejectedException"/> class.</summary>
    /// <param name="reason">Why the request was refused.</param>
    /// <param name="message">One line naming the problem and how to fix it.</param>
    public InfraRequestRejectedException(InfraProviderErrorReason reason, string message)
        : base(reason, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraRequestRejectedException"/> class.</summary>
    public InfraRequestRejectedException()
        : base(InfraProviderErrorReason.InvalidSpec, "The request was rejected.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraRequestRejectedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public InfraRequestRejectedException(string message)
        : base(InfraProviderErrorReason.InvalidSpec, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InfraRequestRejectedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public InfraRequestRejectedException(string message, Exception innerException)
        : base(InfraProviderErrorReason.InvalidSpec, message, innerException)
    {
    }
}
