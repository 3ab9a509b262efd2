using System.Text.Json.Serialization;

namespace DurableDelivery.SampleService;

/// <summary>The answer of <c>GET /healthz</c>.</summary>
/// <param name="Status"><c>ok</c>, or <c>starting</c> while unhealthy.</param>
/// <param name="Version">The artifact's version.</param>
/// <param name="Instance">The instance id.</param>
internal sealed record HealthAnswer(string Status, string Version, string Instance);

/// <summary>The answer of every other request.</summary>
/// <param name="Version">The artifact's version.</param>
/// <param name="Instance">The instance id.</param>
/// <param name="Failed">Whether this request was made to fail (status 500).</param>
internal sealed record RequestAnswer(string Version, string Instance, bool Failed);

/// <summary>Compile-time JSON metadata of the answers (camelCase, as the load generator and tests read them).</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HealthAnswer))]
[JsonSerializable(typeof(RequestAnswer))]
internal sealed partial class SampleJson : JsonSerializerContext;
