using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>
/// What an environment holds at one moment: its infra-sets, the listener weights, the last known good infra-set and
/// the active delivery. Runtime state (the environment workflow's), kept apart from the declaration.
/// </summary>
public sealed record EnvironmentState
{
    /// <summary>Gets the environment name.</summary>
    public required string Environment { get; init; }

    /// <summary>Gets every infra-set the environment knows, deleted ones included.</summary>
    /// <value>The default is none.</value>
    public IReadOnlyList<InfraSet> InfraSets { get; set; } = [];

    /// <summary>Gets the listener weights.</summary>
    /// <value>The default is <see cref="TrafficWeights.None"/>.</value>
    public TrafficWeights Weights { get; set; } = TrafficWeights.None;

    /// <summary>Gets the id of the last known good infra-set: the one most recently promoted and not rolled back from.</summary>
    public string? LastKnownGood { get; init; }

    /// <summary>Gets the one delivery allowed to mutate the environment, or <see langword="null"/> between deliveries.</summary>
    public ActiveDelivery? ActiveDelivery { get; init; }

    /// <summary>Gets the infra-sets that exist (not deleted).</summary>
    [JsonIgnore]
    public IEnumerable<InfraSet> Existing => InfraSets.Where(s => s.Status != InfraSetStatus.Deleted);

    /// <summary>Gets the ids of the warm infra-sets (healthy), sorted.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> WarmIds => InfraSets.Where(s => s.IsWarm).Select(s => s.Id).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Finds an infra-set that exists (not deleted).</summary>
    /// <param name="infraSetId">The id.</param>
    /// <returns>The infra-set, or <see langword="null"/>.</returns>
    public InfraSet? Find(string infraSetId) => Existing.FirstOrDefault(s => s.Id == infraSetId);

    /// <summary>
    /// The infra-set a rollback without a named target goes to: the last known good while traffic is anywhere else
    /// (a delivery in progress); when all traffic is already on the last known good, the most recently promoted warm
    /// infra-set before it that is not retired.
    /// </summary>
    /// <returns>The id, or <see langword="null"/> when there is nothing warm to roll back to.</returns>
    public string? DefaultRollbackTarget()
    {
        var receiving = Weights.Receiving;
        var allOnLastKnownGood = LastKnownGood is not null && receiving.Count == 1 && receiving[0] == LastKnownGood;
        if (LastKnownGood is not null && !allOnLastKnownGood)
        {
            return Find(LastKnownGood) is { IsWarm: true } ? LastKnownGood : null;
        }

        return PreviousWarm().FirstOrDefault()?.Id;
    }

    /// <summary>
    /// Says loudly when the infra-set a rollback without a named target is meant to go to is not warm (a health check
    /// found it unhealthy): while traffic flows, the last known good during a delivery or split, otherwise the most
    /// recently promoted kept infra-set before it.
    /// </summary>
    /// <returns>The warning, or <see langword="null"/> when that infra-set is warm, or there is none, or no traffic flows.</returns>
    public RollbackTargetWarning? RollbackTargetWarning()
    {
        var receiving = Weights.Receiving;
        if (receiving.Count == 0)
        {
            return null;
        }

        var allOnLastKnownGood = LastKnownGood is not null && receiving.Count == 1 && receiving[0] == LastKnownGood;
        var intended = LastKnownGood is not null && !allOnLastKnownGood ? Find(LastKnownGood) : PreviousKept().FirstOrDefault();
        if (intended is null || intended.IsWarm)
        {
            return null;
        }

        var fallback = DefaultRollbackTarget();
        var since = intended.UnhealthySince is { } at ? $" since {at.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : string.Empty;
        var found = intended.HealthCheck is { } check ? $" ({check})" : string.Empty;
        return new RollbackTargetWarning
        {
            Code = fallback is null ? RollbackTargetWarningCodes.NoWarmRollbackTarget : RollbackTargetWarningCodes.RollbackTargetUnhealthy,
            InfraSetId = intended.Id,
            Since = intended.UnhealthySince,
            Fallback = fallback,
            Message = fallback is null
                ? $"rollback target '{intended.Id}' is {intended.Status}{since}{found}; there is no warm infra-set to roll back to: a rollback would be refused"
                : $"rollback target '{intended.Id}' is {intended.Status}{since}{found}; a rollback without --to goes to '{fallback}' instead",
        };
    }

    /// <summary>
    /// Promoted, not retired infra-sets other than the last known good that retention keeps while they run, warm or
    /// found unhealthy by a health check (it may recover), most recently promoted first.
    /// </summary>
    internal IEnumerable<InfraSet> PreviousKept() => Existing
        .Where(s => s.PromotionSequence is not null && s.Status is (InfraSetStatus.Healthy or InfraSetStatus.Unhealthy) && !s.Retired && s.Id != LastKnownGood)
        .OrderByDescending(s => s.PromotionSequence);

    /// <summary>Promoted, warm, not retired infra-sets other than the last known good, most recently promoted first.</summary>
    internal IEnumerable<InfraSet> PreviousWarm() => Existing
        .Where(s => s.PromotionSequence is not null && s.IsWarm && !s.Retired && s.Id != LastKnownGood)
        .OrderByDescending(s => s.PromotionSequence);
}
