using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Environments;

/// <summary>What happens to deliveries that wait for an environment when a newer one is requested.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SupersedePolicy>))]
public enum SupersedePolicy
{
    /// <summary>
    /// A newer request replaces every delivery still waiting (not started); the running delivery is never touched
    /// (written <c>supersedeQueued</c>). Only the newest version set matters, as with a merge queue feeding the environment.
    /// </summary>
    SupersedeQueued,

    /// <summary>Every request runs, one at a time, in the order received (written <c>queue</c>).</summary>
    Queue,
}
