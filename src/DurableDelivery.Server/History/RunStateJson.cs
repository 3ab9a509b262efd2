using System.Text.Json.Serialization;

namespace DurableDelivery.Server.History;

/// <summary>
/// Source-generated JSON for <see cref="RunState"/>: it is written on every operation of a run, and the generated
/// serializer avoids reflection-driven metadata on that path (and keeps the server free of runtime code generation, for
/// the natively compiled ddctl). Strings are here for keyword search-attribute payloads.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(RunState))]
[JsonSerializable(typeof(string))]
internal sealed partial class RunStateJson : JsonSerializerContext;
