using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Workflows.Environments;

/// <summary>A request to deliver a version set to an environment (the argument of the environment's <c>requestDelivery</c> update).</summary>
public sealed record DeliveryRequest
{
    /// <summary>Gets the environment declaration to follow, as read from <c>infra/environments/&lt;name&gt;.yaml</c> when the request was made.</summary>
    public required EnvironmentDeclaration Environment { get; init; }

    /// <summary>Gets the version set to deliver.</summary>
    public required VersionSet VersionSet { get; init; }

    /// <summary>Gets who asks.</summary>
    public required string RequestedBy { get; init; }

    /// <summary>Gets why (optional for deliveries).</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>Gets when the request was made (the caller's clock).</summary>
    public required DateTimeOffset RequestedAt { get; init; }
}
