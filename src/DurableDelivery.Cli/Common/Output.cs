using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using DurableDelivery.Workflows;
using Spectre.Console;

namespace DurableDelivery.Cli.Common;

/// <summary>Writes command results: Spectre.Console tables for people, one JSON document for scripts.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Indented = new(DeliveryDataConverter.Json)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(DeliveryJsonContext.Default, CliJsonContext.Default),
    };

    private static readonly Lazy<IAnsiConsole> Ansi = new(() =>
    {
        // Piped output (scripts, tests, CI logs) gets no escape codes; NO_COLOR (https://no-color.org) turns colors off.
        var plain = Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 } ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (plain)
        {
            // Piped output has no terminal width; wide rows wrap less in logs.
            console.Profile.Width = 200;
        }

        return console;
    });

    public static IAnsiConsole Table => Ansi.Value;

    /// <summary>Serializes a value as its declared type <typeparamref name="T"/> (not its run-time type) with the product's payload conventions (camelCase, enums as strings), indented.</summary>
    public static JsonNode? ToNode<T>(T? value) => value is null ? null : JsonSerializer.SerializeToNode(value, (JsonTypeInfo<T>)Indented.GetTypeInfo(typeof(T)));

    /// <summary>Parses a JSON payload kept as text (results, arguments) so it nests as JSON rather than as a string.</summary>
    public static JsonNode? Payload(string? json) => json is null ? null : JsonNode.Parse(json);

    public static void Json(JsonNode? node) => Console.Out.WriteLine(node?.ToJsonString(Indented) ?? "null");

    /// <summary>A payload for a table cell: compact JSON, shortened.</summary>
    public static string Cell(string? json, int max = 120)
    {
        if (json is null)
        {
            return string.Empty;
        }

        string compact;
        try
        {
            compact = JsonNode.Parse(json)?.ToJsonString(Indented).Replace("\n", " ", StringComparison.Ordinal) ?? "null";
        }
        catch (JsonException)
        {
            compact = json;
        }

        compact = string.Join(' ', compact.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return compact.Length > max ? compact[..(max - 1)] + "…" : compact;
    }

    public static string Time(DateTimeOffset? t) => t?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;

    public static void Line(string text) => Table.MarkupLine(Markup.Escape(text));
}
