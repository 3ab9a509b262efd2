using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>One rollout step of a delivery as it happened.</summary>
public sealed record StepRecord
{
    /// <summary>Gets the 0-based index of the step.</summary>
    public required int Index { get; init; }

    /// <summary>Gets the percent of traffic the new infra-set takes in this step.</summary>
    public required int Percent { get; init; }

    /// <summary>Gets the planned bake time (extensions not included).</summary>
    public required TimeSpan Bake { get; init; }

    /// <summary>Gets the bake time added by <c>extend bake</c> overrides.</summary>
    public TimeSpan Extended { get; init; }

    /// <summary>Gets the listener weights applied for the step; <see langword="null"/> until they are set.</summary>
    public TrafficWeights? Weights { get; init; }

    /// <summary>Gets when the weights took effect.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the step ended (bake done, or interrupted).</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets the gate evaluations of this step, oldest first.</summary>
    public IReadOnlyList<GateRecord> Gates { get; set; } = [];
}
