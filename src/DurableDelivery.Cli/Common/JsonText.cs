using System.Globalization;
using System.Text;

namespace DurableDelivery.Cli.Common;

/// <summary>JSON written by hand where a command cannot afford System.Text.Json's start-up (see <see cref="Delivery.OverrideControl"/>).</summary>
internal static class JsonText
{
    /// <summary>Appends <paramref name="value"/> as a JSON string (RFC 8259: quote, backslash and control characters escaped).</summary>
    public static StringBuilder AppendJsonString(this StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => json.Append("\\\""),
                '\\' => json.Append("\\\\"),
                '\n' => json.Append("\\n"),
                '\r' => json.Append("\\r"),
                '\t' => json.Append("\\t"),
                < ' ' => json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => json.Append(c),
            };
        }

        return json.Append('"');
    }
}
