using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// Turns <c>--input</c> / <c>--input-array</c> into the engine's argument list (a JSON array).
/// </summary>
/// <remarks>
/// The rule, as in <c>temporal workflow start --input</c>: each <c>--input</c> is exactly one argument, whatever its
/// JSON kind, so a list-valued argument never gets silently spread into several arguments. <c>--input-array</c> is the
/// explicit way to pass the whole list at once.
/// </remarks>
internal static class JsonArgs
{
    public static string ToArgsJson(IReadOnlyList<string>? inputs, string? inputArray)
    {
        inputs ??= [];
        if (inputArray is not null)
        {
            if (inputs.Count > 0)
            {
                throw CliException.BadInput("--input and --input-array cannot be combined; pass each argument with --input, or all of them with --input-array.");
            }

            var node = Parse(inputArray, "--input-array");
            if (node is not JsonArray)
            {
                throw CliException.BadInput(
                    $"--input-array must be a JSON array of arguments, got {Kind(node)}; pass a single argument with --input instead.");
            }

            return node.ToJsonString();
        }

        var args = new JsonArray();
        foreach (var input in inputs)
        {
            args.Add(Parse(input, "--input"));
        }

        return args.ToJsonString();
    }

    private static JsonNode? Parse(string text, string option)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            var shown = text.Length > 60 ? text[..57] + "..." : text;
            throw CliException.BadInput(
                $"{option} is not valid JSON ({FirstSentence(e.Message)}): {shown}; quote strings as JSON, e.g. {option} '\"alice\"' or {option} '{{\"change\":\"pr-42\"}}'.");
        }
    }

    private static string Kind(JsonNode? node) => node?.GetValueKind().ToString().ToLowerInvariant() ?? "null";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message.TrimEnd('.') : message[..cut];
    }
}
