namespace DurableDelivery.Server.Conformance.Tests.Support;

/// <summary>A test that fails, rather than hangs, when the server never answers (60 s).</summary>
public sealed class ConformanceFactAttribute : FactAttribute
{
    /// <summary>Sets the timeout.</summary>
    public ConformanceFactAttribute() => Timeout = 60_000;
}
