namespace DurableDelivery.Providers;

/// <summary>Whether a provider could measure the traffic asked for.</summary>
public enum MetricsAvailability
{
    /// <summary>The figures are measured; zero requests means there was no traffic.</summary>
    Available,

    /// <summary>The provider cannot measure this (the figures are empty); treat a gate relying on it as inconclusive.</summary>
    NotSupported,
}
