using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DurableDelivery.Domain.Common;

/// <summary>
/// Reads a YAML (or JSON, which YAML 1.2 contains) document into nodes that keep their line numbers, and collects
/// problems instead of throwing, so a parser can report every problem of a file at once.
/// </summary>
internal sealed class YamlInput
{
    private readonly List<DomainProblem> problems;

    public YamlInput(string source, List<DomainProblem> problems)
    {
        Source = source;
        this.problems = problems;
    }

    public string Source { get; }

    public int Count => problems.Count;

    public static int LineOf(YamlNode node) => checked((int)node.Start.Line);

    public void Problem(YamlNode? at, string message) =>
        problems.Add(new DomainProblem { Source = Source, Line = at is null ? null : LineOf(at), Message = message });

    public void Problem(int? line, string message) =>
        problems.Add(new DomainProblem { Source = Source, Line = line, Message = message });

    /// <summary>Loads the root mapping of the text; reports syntax errors, an empty input or a non-mapping root.</summary>
    public YamlMappingNode? LoadRoot(string text, string what)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            Problem(
                checked((int)ex.Start.Line),
                $"The {what} is not valid YAML or JSON: {TrimMark(ex.Message)} Fix the syntax at this line.");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            Problem((int?)null, $"The {what} is empty. Write it as a YAML or JSON mapping; see workflows/DurableDelivery.Domain/README.md.");
            return null;
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Problem(stream.Documents[0].RootNode, $"The {what} must be a mapping of keys to values, not a {Describe(stream.Documents[0].RootNode)}. Write it as 'key: value' lines or a JSON object.");
            return null;
        }

        return root;
    }

    /// <summary>Reads the keys of a mapping, reporting any key not in <paramref name="knownKeys"/> (case-sensitive).</summary>
    public Dictionary<string, YamlNode> Keys(YamlMappingNode mapping, string context, params string[] knownKeys)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = keyNode is YamlScalarNode { Value: { } k } ? k : keyNode.ToString();
            if (!knownKeys.Contains(key, StringComparer.Ordinal))
            {
                Problem(keyNode, $"Unknown key '{key}' in {context}. Known keys: {string.Join(", ", knownKeys)}.");
                continue;
            }

            result[key] = value;
        }

        return result;
    }

    /// <summary>Reads an optional scalar; reports a mapping or sequence where a single value belongs.</summary>
    public string? Scalar(Dictionary<string, YamlNode> keys, string key, string context)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            // An empty or '~' value in YAML is a null: treat it as missing so the "required" message applies.
            return string.IsNullOrWhiteSpace(scalar.Value) || scalar.Value == "~" || (scalar.Value == "null" && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain)
                ? null
                : scalar.Value.Trim();
        }

        Problem(node, $"'{key}' in {context} must be a single value, not a {Describe(node)}.");
        return null;
    }

    public YamlSequenceNode? Sequence(Dictionary<string, YamlNode> keys, string key, string context) =>
        Node<YamlSequenceNode>(keys, key, context, "a list");

    public YamlMappingNode? Mapping(Dictionary<string, YamlNode> keys, string key, string context) =>
        Node<YamlMappingNode>(keys, key, context, "a mapping of keys to values");

    /// <summary>Reads an optional integer within a range; reports the bad value and the allowed range.</summary>
    public int? Int(Dictionary<string, YamlNode> keys, string key, string context, int min, int max)
    {
        var text = Scalar(keys, key, context);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Problem(keys[key], $"'{key}' in {context} is '{text}'; it must be a whole number from {min} to {max}.");
        return null;
    }

    /// <summary>Reads an optional decimal number within a range; reports the bad value and the allowed range.</summary>
    public double? Number(Dictionary<string, YamlNode> keys, string key, string context, double min, double max)
    {
        var text = Scalar(keys, key, context);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min && value <= max)
        {
            return value;
        }

        Problem(keys[key], $"'{key}' in {context} is '{text}'; it must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
        return null;
    }

    /// <summary>Reads an optional boolean (<c>true</c>/<c>false</c>).</summary>
    public bool? Bool(Dictionary<string, YamlNode> keys, string key, string context)
    {
        var text = Scalar(keys, key, context);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Problem(keys[key], $"'{key}' in {context} is '{text}'; it must be true or false.");
        return null;
    }

    /// <summary>Reads an optional duration such as <c>30s</c>, <c>5m</c>, <c>1m30s</c> or <c>500ms</c>.</summary>
    public TimeSpan? Duration(Dictionary<string, YamlNode> keys, string key, string context)
    {
        var text = Scalar(keys, key, context);
        if (text is null)
        {
            return null;
        }

        if (DurationText.TryParse(text, out var value))
        {
            return value;
        }

        Problem(keys[key], $"'{key}' in {context} is '{text}'; it must be a duration such as 30s, 5m, 1h or 1m30s.");
        return null;
    }

    /// <summary>Reads an optional list or mapping; an empty or null value counts as missing.</summary>
    private T? Node<T>(Dictionary<string, YamlNode> keys, string key, string context, string expected)
        where T : YamlNode
    {
        if (!keys.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is T typed)
        {
            return typed;
        }

        if (node is YamlScalarNode { Value: var v } && (string.IsNullOrWhiteSpace(v) || v == "~" || v == "null"))
        {
            return null;
        }

        Problem(node, $"'{key}' in {context} must be {expected}, not a {Describe(node)}.");
        return null;
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlSequenceNode => "list",
        YamlMappingNode => "mapping",
        _ => "single value",
    };

    // YamlDotNet prefixes messages with "(Line: 3, Col: 1, Idx: 20) - (Line: ...): "; the line is reported separately.
    private static string TrimMark(string message)
    {
        var at = message.IndexOf("): ", StringComparison.Ordinal);
        var text = at >= 0 && message.StartsWith('(') ? message[(at + 3)..] : message;
        text = text.Trim();
        return text.EndsWith('.') ? text : text + ".";
    }
}
