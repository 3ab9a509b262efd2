using DurableDelivery.Domain.Traffic;

namespace DurableDelivery.Workflows.Delivery;

/// <summary>What an accepted override update did; returned to the caller of the update.</summary>
/// <param name="Message">One line saying what changed, e.g. <c>rolled back to demo-sample-v1-0001: all traffic on it</c>.</param>
/// <param name="Weights">The listener weights after the override.</param>
public sealed record OverrideOutcome(string Message, TrafficWeights Weights)
{
    /// <summary>
    /// Gets the listener weights just before the override changed them, as the workflow that applied it saw them (so a
    /// caller needs no status query first); <see langword="null"/> when nothing was applied or in results recorded before
    /// this field existed.
    /// </summary>
    public TrafficWeights? WeightsBefore { get; init; }
}
