using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DurableDelivery.Providers.Local.Load;
using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local;

/// <summary>The JSON conventions shared by the control API, its client and the state file.</summary>
internal static class ProviderJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions(indented: false);

    public static readonly JsonSerializerOptions Indented = CreateOptions(indented: true);

    /// <summary>The compile-time metadata of <typeparamref name="T"/> with <see cref="Options"/> (or <see cref="Indented"/>).</summary>
    public static JsonTypeInfo<T> Info<T>(bool indented = false) => (JsonTypeInfo<T>)(indented ? Indented : Options).GetTypeInfo(typeof(T));

    /// <summary>Serializes with object properties sorted at every level, so equal requests compare equal as text.</summary>
    public static string Canonical<T>(T value)
    {
        var node = JsonSerializer.SerializeToNode(value, Info<T>());
        return Sort(node)?.ToJsonString(Options) ?? "null";
    }

    /// <summary>A request written as a JSON object of its named parts, sorted like <see cref="Canonical{T}"/>.</summary>
    public static string Canonical(JsonObject request) => Sort(request)?.ToJsonString(Options) ?? "null";

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value?.DeepClone())))),
        JsonArray array => new JsonArray(array.Select(item => Sort(item?.DeepClone())).ToArray()),
        _ => node?.DeepClone(),
    };

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        // Compile-time metadata only: the same in ddctl's native build as in the provider process.
        var options = new JsonSerializerOptions(ProviderJsonContext.Default.Options) { WriteIndented = indented };
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>Compile-time JSON metadata of everything the control API, its client and the state file carry.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LocalProviderStatus))]
[JsonSerializable(typeof(ListenerSpec))]
[JsonSerializable(typeof(ListenerInfo))]
[JsonSerializable(typeof(WeightsRequest))]
[JsonSerializable(typeof(ListenerWeights))]
[JsonSerializable(typeof(TrafficMetrics))]
[JsonSerializable(typeof(DrainResult))]
[JsonSerializable(typeof(InfraSetSpec))]
[JsonSerializable(typeof(InfraSetInfo))]
[JsonSerializable(typeof(List<InfraSetInfo>))]
[JsonSerializable(typeof(IReadOnlyList<InfraSetInfo>))]
[JsonSerializable(typeof(ProviderState))]
[JsonSerializable(typeof(ArtifactManifest))]
[JsonSerializable(typeof(ControlFile))]
[JsonSerializable(typeof(LoadReport))]
[JsonSerializable(typeof(JsonElement?))]
internal sealed partial class ProviderJsonContext : JsonSerializerContext;
