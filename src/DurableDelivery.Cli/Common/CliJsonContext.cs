using System.Text.Json;
using System.Text.Json.Serialization;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;
using DurableDelivery.Providers.Local.Load;
using DurableDelivery.Workflows.Environments;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// Compile-time JSON metadata of what ddctl prints with <c>-o json</c> beyond the workflows' payloads
/// (<see cref="DurableDelivery.Workflows.DeliveryJsonContext"/>): the local provider's answers and the parts of
/// environment status printed on their own. <see cref="Output"/> reads only these two, so the native build prints what
/// the JIT build prints.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(LocalProviderStatus))]
[JsonSerializable(typeof(LoadReport))]
[JsonSerializable(typeof(ListenerInfo))]
[JsonSerializable(typeof(ListenerWeights))]
[JsonSerializable(typeof(InfraSetInfo))]
[JsonSerializable(typeof(TrafficMetrics))]
[JsonSerializable(typeof(DrainResult))]
[JsonSerializable(typeof(DeliverySummary))]
[JsonSerializable(typeof(ActiveDelivery))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, int>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
