using DurableDelivery.Domain.Gates;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>One health-gate evaluation during a bake, with the numbers behind it.</summary>
public sealed record GateRecord
{
    /// <summary>Gets the 0-based rollout step the gate ran in.</summary>
    public required int StepIndex { get; init; }

    /// <summary>Gets when the gate was evaluated (workflow time).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the length of the compared window.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Gets the new (canary) infra-set.</summary>
    public required string CanaryInfraSetId { get; init; }

    /// <summary>Gets the stable (baseline) infra-set.</summary>
    public required string StableInfraSetId { get; init; }

    /// <summary>Gets the requests the canary served in the window.</summary>
    public long CanaryRequests { get; init; }

    /// <summary>Gets the requests the stable infra-set served in the window.</summary>
    public long StableRequests { get; init; }

    /// <summary>Gets the verdict, score, message and per-metric statistics.</summary>
    public required GateResult Result { get; init; }
}
