namespace DurableDelivery.Domain.Gates;

/// <summary>Reason codes of gate results (Argo style): code branches on these, people read the message.</summary>
public static class GateReasons
{
    /// <summary>The gate passed.</summary>
    public const string GatePassed = nameof(GatePassed);

    /// <summary>The gate is marginal.</summary>
    public const string GateMarginal = nameof(GateMarginal);

    /// <summary>The gate failed.</summary>
    public const string GateFailed = nameof(GateFailed);

    /// <summary>The gate had too little data.</summary>
    public const string GateInconclusive = nameof(GateInconclusive);
}
