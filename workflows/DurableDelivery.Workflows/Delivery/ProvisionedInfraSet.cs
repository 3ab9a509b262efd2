namespace DurableDelivery.Workflows.Delivery;

/// <summary>An infra-set as a provider reported it, reduced to what the workflows need.</summary>
/// <param name="Id">The provider's id, e.g. <c>demo-sample-v2-0002</c>.</param>
/// <param name="Artifact">The artifact it runs.</param>
/// <param name="Healthy">Whether every instance passes its health check.</param>
/// <param name="Status">The provider's status name (Starting, Healthy, Unhealthy, Draining, Deleted...).</param>
/// <param name="Message">The provider's status message.</param>
public sealed record ProvisionedInfraSet(string Id, string Artifact, bool Healthy, string Status, string Message);
