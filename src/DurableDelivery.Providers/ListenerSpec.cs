namespace DurableDelivery.Providers;

/// <summary>The declaration of an environment's listener (locally a loopback port; on AWS an ALB listener).</summary>
public sealed record ListenerSpec
{
    /// <summary>Gets the environment the listener serves; one listener per environment.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the port to listen on.</summary>
    /// <value>The default is 0: the provider picks a free port and keeps it across restarts.</value>
    public int Port { get; init; }
}
