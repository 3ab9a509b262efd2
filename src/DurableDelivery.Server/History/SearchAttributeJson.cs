using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Temporalio.Api.Common.V1;

namespace DurableDelivery.Server.History;

/// <summary>
/// Search attribute payloads to the JSON object kept in the visibility row (Datetime as Unix nanoseconds) and
/// payload metadata as the SDK requires (.NET throws "Metadata type missing" without <c>type</c>).
/// </summary>
internal static class SearchAttributeJson
{
    /// <summary>Builds the visibility JSON from stored payload bytes.</summary>
    public static string ToJson(Dictionary<string, byte[]> attributes)
    {
        if (attributes.Count == 0)
        {
            return "{}";
        }

        var obj = new JsonObject();
        foreach (var (name, bytes) in attributes)
        {
            var payload = Payload.Parser.ParseFrom(bytes);
            var data = payload.Data.ToStringUtf8();
            if (data.Length == 0 || data == "null")
            {
                continue;
            }

            try
            {
                var node = JsonNode.Parse(data);
                var type = payload.Metadata.TryGetValue("type", out var t) ? t.ToStringUtf8() : "";
                if (type == "Datetime" && node is JsonValue v && v.TryGetValue<string>(out var text)
                    && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal,
                        out var time))
                {
                    node = JsonValue.Create(Time.Nanos.From(time));
                }

                obj[name] = node;
            }
            catch (JsonException)
            {
                obj[name] = data;
            }
        }

        return obj.ToJsonString();
    }

    /// <summary>Returns payloads with the <c>type</c> metadata set from the registered kind when missing.</summary>
    public static SearchAttributes ToProto(
        Dictionary<string, byte[]> attributes, Func<string, string?> kindOf)
    {
        var result = new SearchAttributes();
        foreach (var (name, bytes) in attributes)
        {
            var payload = Payload.Parser.ParseFrom(bytes);
            if (!payload.Metadata.ContainsKey("type") && kindOf(name) is { } kind)
            {
                payload.Metadata["type"] = Google.Protobuf.ByteString.CopyFrom(Encoding.UTF8.GetBytes(kind));
            }

            result.IndexedFields[name] = payload;
        }

        return result;
    }

    /// <summary>Whether a payload unsets the attribute (empty data, <c>null</c> or <c>[]</c>).</summary>
    public static bool IsUnset(Payload payload)
    {
        var data = payload.Data.ToStringUtf8().Trim();
        return data.Length == 0 || data == "null" || data == "[]";
    }

    /// <summary>Serializes a JSON value for tests and listings.</summary>
    public static string Describe(JsonElement element) => element.GetRawText();
}
