using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Converters;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// The arguments of <c>--input</c> / <c>--input-array</c>: each one's JSON text exactly as typed (checked to be JSON),
/// sent to Temporal as a <c>json/plain</c> payload without being re-serialized.
/// </summary>
/// <remarks>
/// The rule, as in <c>temporal workflow start --input</c>: each <c>--input</c> is exactly one argument, whatever its
/// JSON kind, so a list-valued argument never gets silently spread into several arguments. <c>--input-array</c> is the
/// explicit way to pass the whole list at once.
/// </remarks>
internal sealed class JsonArgs
{
    /// <summary>The payload encoding of JSON, as Temporal's default converters write it.</summary>
    public const string JsonEncoding = "json/plain";

    private JsonArgs(IReadOnlyList<string> texts) => Texts = texts;

    /// <summary>Gets the JSON text of each argument, in order.</summary>
    public IReadOnlyList<string> Texts { get; }

    /// <summary>Gets the arguments as one JSON array (for shape checks and output).</summary>
    public string ArrayJson => "[" + string.Join(",", Texts) + "]";

    /// <summary>Gets the arguments as raw values for the Temporal client: <c>json/plain</c> payloads holding the text as typed.</summary>
    public IReadOnlyCollection<object?> Values => [.. Texts.Select(t => (object?)Raw(t))];

    /// <summary>Reads the arguments of a command.</summary>
    /// <exception cref="CliException">Exit 1: malformed JSON, both options given, or an --input-array that is not an array.</exception>
    public static JsonArgs From(IReadOnlyList<string>? inputs, string? inputArray)
    {
        inputs ??= [];
        if (inputArray is not null)
        {
            if (inputs.Count > 0)
            {
                throw CliException.BadInput("--input and --input-array cannot be combined; pass each argument with --input, or all of them with --input-array.");
            }

            using var array = Parse(inputArray, "--input-array");
            if (array.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw CliException.BadInput(
                    $"--input-array must be a JSON array of arguments, got {Kind(array.RootElement)}; pass a single argument with --input instead.");
            }

            return new JsonArgs([.. array.RootElement.EnumerateArray().Select(e => e.GetRawText())]);
        }

        foreach (var input in inputs)
        {
            Parse(input, "--input").Dispose();
        }

        return new JsonArgs([.. inputs]);
    }

    /// <summary>A <c>json/plain</c> payload holding <paramref name="json"/> as UTF-8.</summary>
    public static RawValue Raw(string json) => new(new Payload
    {
        Metadata = { ["encoding"] = ByteString.CopyFromUtf8(JsonEncoding) },
        Data = ByteString.CopyFrom(Encoding.UTF8.GetBytes(json)),
    });

    private static JsonDocument Parse(string text, string option)
    {
        try
        {
            return JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            var shown = text.Length > 60 ? text[..57] + "..." : text;
            throw CliException.BadInput(
                $"{option} is not valid JSON ({FirstSentence(e.Message)}): {shown}; quote strings as JSON, e.g. {option} '\"alice\"' or {option} '{{\"change\":\"pr-42\"}}'.");
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message.TrimEnd('.') : message[..cut];
    }
}
