using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>Where a delivery is in its life.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryPhase>))]
public enum DeliveryPhase
{
    /// <summary>Validating the version set.</summary>
    Validating,

    /// <summary>Provisioning the new infra-set.</summary>
    Provisioning,

    /// <summary>Waiting for the new infra-set to be healthy.</summary>
    WaitingHealthy,

    /// <summary>Moving listener weights to the next step.</summary>
    Shifting,

    /// <summary>Baking at a step while the health gate watches.</summary>
    Baking,

    /// <summary>Moving all traffic to the new infra-set and making it last known good.</summary>
    Promoting,

    /// <summary>Moving all traffic back to the last known good infra-set.</summary>
    RollingBack,

    /// <summary>
    /// Traffic is settled (promoted or rolled back); draining and deleting what is no longer kept warm. The delivery
    /// stays the environment's one mutator until this is done, so a rollback never races a deletion.
    /// </summary>
    CleaningUp,
}
