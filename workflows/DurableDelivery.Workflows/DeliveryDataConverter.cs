using System.Text.Json;
using Temporalio.Converters;

namespace DurableDelivery.Workflows;

/// <summary>
/// How DurableDelivery's payloads look in Temporal: JSON with camelCase names, case-insensitive on reading, enums as
/// strings. The worker and every client of the product use it, so that what Temporal UI shows and what the temporal
/// CLI sends (<c>temporal workflow update execute -w env/demo --name rollback -i '{"kind":"rollback","requestedBy":"alice","reason":"...","requestedAt":"2026-12-08T00:00:00Z"}'</c>)
/// read as the docs write them.
/// </summary>
public static class DeliveryDataConverter
{
    /// <summary>Gets the JSON options of every payload.</summary>
    public static JsonSerializerOptions Json { get; } = CreateOptions();

    /// <summary>Gets the data converter to give <c>TemporalClientConnectOptions.DataConverter</c> (the worker takes its client's).</summary>
    public static DataConverter Instance { get; } = DataConverter.Default with { PayloadConverter = new DefaultPayloadConverter(Json) };

    private static JsonSerializerOptions CreateOptions()
    {
        // Only the compile-time metadata: no reflection, so the native ddctl and a JIT worker read and write alike.
        var options = new JsonSerializerOptions(DeliveryJsonContext.Default.Options);
        options.MakeReadOnly();
        return options;
    }
}
