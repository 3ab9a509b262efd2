using System.Text.Json.Serialization;

namespace DurableDelivery.Server.History;

/// <summary>
/// Source-generated JSON for <see cref="RunState"/>: it is written on every operation of a run, and the generated
/// serializer avoids reflection-driven metadata on that path.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(RunState))]
internal sealed partial class RunStateJson : JsonSerializerContext;
