using System.Text.Json.Serialization;
using DurableDelivery.Workflows.Delivery;

namespace DurableDelivery.Workflows.Environments;

/// <summary>Where a requested delivery stands, as its environment tracks it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryState>))]
public enum DeliveryState
{
    /// <summary>Waiting for the deliveries ahead of it.</summary>
    Queued,

    /// <summary>Its workflow runs.</summary>
    Running,

    /// <summary>Its workflow ended; see the outcome.</summary>
    Ended,

    /// <summary>A newer request replaced it before it started; it never ran.</summary>
    Superseded,
}

/// <summary>One delivery of an environment, as listed by <c>ddctl delivery list</c> and <c>ddctl env status</c>.</summary>
public sealed record DeliverySummary
{
    /// <summary>Gets the delivery id.</summary>
    public required string DeliveryId { get; init; }

    /// <summary>Gets the state.</summary>
    public required DeliveryState State { get; init; }

    /// <summary>Gets the stack of the version set.</summary>
    public required string Stack { get; init; }

    /// <summary>Gets the deployed component's version and artifact, e.g. <c>app 2.0.0 (sample-v2)</c>.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the version set's content hash.</summary>
    public required string VersionSetHash { get; init; }

    /// <summary>Gets who asked.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>Gets when it was requested.</summary>
    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>Gets when its workflow started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets its new infra-set, once known.</summary>
    public string? InfraSetId { get; init; }

    /// <summary>Gets the outcome, once ended.</summary>
    public DeliveryOutcome? Outcome { get; init; }

    /// <summary>Gets the outcome's reason code or, when superseded, the id of the delivery that replaced it.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets the outcome's message.</summary>
    public string? Message { get; init; }
}
