using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Converters;

namespace DurableDelivery.Cli.Workflow;

/// <summary>
/// Payloads, failures and times as ddctl prints them: a <c>json/plain</c> payload is its JSON as sent, never decoded
/// into a .NET type and serialized again (so a result prints exactly as the workflow wrote it, whatever its type).
/// </summary>
internal static class RawJson
{
    private const string JsonArgsEncoding = Common.JsonArgs.JsonEncoding;

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A payload as JSON: <c>json/plain</c> (and <c>json/protobuf</c>) as is, <c>binary/null</c> as null, anything else as <c>{"encoding", "data" (base64)}</c>.</summary>
    public static JsonNode? Of(Payload? payload)
    {
        if (payload is null)
        {
            return null;
        }

        var encoding = payload.Metadata.TryGetValue("encoding", out var e) ? e.ToStringUtf8() : string.Empty;
        if (encoding == "binary/null")
        {
            return null;
        }

        if (encoding is JsonArgsEncoding or "json/protobuf")
        {
            try
            {
                return JsonNode.Parse(payload.Data.Span);
            }
            catch (JsonException)
            {
                // Not JSON after all: shown as bytes below.
            }
        }

        return new JsonObject { ["encoding"] = encoding, ["data"] = Convert.ToBase64String(payload.Data.Span) };
    }

    /// <summary>A raw value (a result read as <see cref="IRawValue"/>) as JSON.</summary>
    public static JsonNode? Of(IRawValue? value) => Of(value?.Payload);

    /// <summary>A list of payloads as JSON: null when empty, the value when one (a result), else an array (arguments).</summary>
    public static JsonNode? Of(Payloads? payloads) => payloads?.Payloads_.Count switch
    {
        null or 0 => null,
        1 => Of(payloads.Payloads_[0]),
        _ => new JsonArray([.. payloads.Payloads_.Select(Of)]),
    };

    /// <summary>Arguments as a JSON array (empty when none).</summary>
    public static JsonArray Args(Payloads? payloads) => new([.. (payloads?.Payloads_ ?? []).Select(Of)]);

    /// <summary>Compact JSON for a table cell or a one-line message, shortened to <paramref name="max"/> characters.</summary>
    public static string Cell(JsonNode? node, int max = 120)
    {
        var text = node?.ToJsonString(Compact) ?? "null";
        return text.Length > max ? text[..(max - 1)] + "…" : text;
    }

    /// <summary>A failure as JSON: message, type, and its cause (e.g. an activity failure caused by an application error).</summary>
    public static JsonObject? Failure(Failure? failure)
    {
        if (failure is null)
        {
            return null;
        }

        var node = new JsonObject { ["message"] = failure.Message, ["type"] = FailureType(failure) };
        if (failure.Cause is not null)
        {
            node["cause"] = Failure(failure.Cause);
        }

        return node;
    }

    /// <summary>A failure on one line: its message and those of its causes (<c>Activity task failed: The change reference is empty</c>).</summary>
    public static string FailureText(Failure? failure)
    {
        var parts = new List<string>();
        for (var f = failure; f is not null; f = f.Cause)
        {
            parts.Add(f.ApplicationFailureInfo is { Type: { Length: > 0 } type } ? $"{f.Message} ({type})" : f.Message);
        }

        return string.Join(": ", parts);
    }

    /// <summary>A protobuf timestamp as JSON (ISO 8601, UTC), or null.</summary>
    public static JsonNode? Time(Google.Protobuf.WellKnownTypes.Timestamp? time) => time is null ? null : Time(time.ToDateTime());

    /// <summary>A time as JSON (ISO 8601, UTC), or null.</summary>
    public static JsonNode? Time(DateTime? time) => time is { } t ? JsonValue.Create(Utc(t)) : null;

    /// <summary>A time for a table (see <see cref="Common.Output.Time"/>).</summary>
    public static string TimeCell(DateTime? time) => Common.Output.Time(time is { } t ? Utc(t) : null);

    /// <summary>A protobuf timestamp for a table.</summary>
    public static string TimeCell(Google.Protobuf.WellKnownTypes.Timestamp? time) => TimeCell(time?.ToDateTime());

    /// <summary>A protobuf duration for a table: <c>1s</c>, <c>90s</c>, <c>1.5s</c>.</summary>
    public static string Duration(Google.Protobuf.WellKnownTypes.Duration? duration) =>
        duration is null ? string.Empty : duration.ToTimeSpan().TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, t.Kind == DateTimeKind.Local ? DateTimeKind.Local : DateTimeKind.Utc).ToUniversalTime());

    private static string FailureType(Failure failure) => failure.FailureInfoCase switch
    {
        Temporalio.Api.Failure.V1.Failure.FailureInfoOneofCase.ApplicationFailureInfo when failure.ApplicationFailureInfo.Type is { Length: > 0 } type => type,
        Temporalio.Api.Failure.V1.Failure.FailureInfoOneofCase.None => "Unknown",
        var kind => kind.ToString().Replace("FailureInfo", string.Empty, StringComparison.Ordinal),
    };
}
