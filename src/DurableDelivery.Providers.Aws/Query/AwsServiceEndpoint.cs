namespace DurableDelivery.Providers.Aws.Query;

/// <summary>Where one Query API is served and how its requests are signed.</summary>
/// <param name="SigningName">The SigV4 service name, e.g. <c>elasticloadbalancing</c> for ELBv2.</param>
/// <param name="ApiVersion">The API version sent as <c>Version</c>, e.g. <c>2015-12-01</c>.</param>
/// <param name="Url">The endpoint.</param>
/// <param name="Region">The SigV4 region.</param>
public sealed record AwsServiceEndpoint(string SigningName, string ApiVersion, Uri Url, string Region);
