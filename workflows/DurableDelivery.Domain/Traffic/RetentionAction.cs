using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>What the retention planner decides for an infra-set.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RetentionAction>))]
public enum RetentionAction
{
    /// <summary>Keep it running (it takes traffic, is the rollback target, belongs to the active delivery, or stays warm).</summary>
    Keep,

    /// <summary>Drain it (it takes no traffic and is not kept): the first half of make-before-break removal.</summary>
    Drain,

    /// <summary>Delete it (it is drained).</summary>
    Delete,
}
