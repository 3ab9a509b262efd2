namespace DurableDelivery.Providers;

/// <summary>An environment's listener as applied.</summary>
public sealed record ListenerInfo
{
    /// <summary>Gets the environment the listener serves.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets the port the listener accepts requests on.</summary>
    public int Port { get; init; }

    /// <summary>Gets the address clients send traffic to, e.g. <c>http://127.0.0.1:5080</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Gets the weights the listener applies now.</summary>
    public required ListenerWeights Weights { get; init; }
}
