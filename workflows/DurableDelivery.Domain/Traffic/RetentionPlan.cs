using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>What to keep warm, drain and delete, one decision per existing infra-set.</summary>
public sealed record RetentionPlan
{
    /// <summary>Gets the decisions, in the order of the state's infra-sets.</summary>
    public required IReadOnlyList<RetentionDecision> Decisions { get; init; }

    /// <summary>Gets the ids to keep.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Keep => Ids(RetentionAction.Keep);

    /// <summary>Gets the ids to drain.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Drain => Ids(RetentionAction.Drain);

    /// <summary>Gets the ids to delete.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Delete => Ids(RetentionAction.Delete);

    private string[] Ids(RetentionAction action) => Decisions.Where(d => d.Action == action).Select(d => d.InfraSetId).ToArray();
}
