using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>
/// AWS's own service models (botocore's <c>service-2.json</c>, from Debian's python3-botocore), used to check the shape
/// of every Query request: the action exists, every flattened parameter name resolves to a member of the input shape
/// (lists as <c>.member.N</c>), scalar values parse as their type, and required members are present.
/// </summary>
internal sealed class ServiceModels
{
    /// <summary>Where Debian's python3-botocore keeps the models; <c>DD_BOTOCORE_DATA</c> overrides it.</summary>
    public const string DebianData = "/usr/lib/python3/dist-packages/botocore/data";

    private static readonly Dictionary<string, (string Model, string Version)> BySigningName = new()
    {
        ["autoscaling"] = ("autoscaling", "2011-01-01"),
        ["elasticloadbalancing"] = ("elbv2", "2015-12-01"),
        ["monitoring"] = ("cloudwatch", "2010-08-01"),
    };

    private readonly Dictionary<string, JsonElement> models = [];

    public string DataDirectory { get; }

    public ServiceModels()
    {
        DataDirectory = Environment.GetEnvironmentVariable("DD_BOTOCORE_DATA") ?? DebianData;
        foreach (var (signing, (model, version)) in BySigningName)
        {
            var folder = Path.Combine(DataDirectory, model, version);
            var plain = Path.Combine(folder, "service-2.json");
            var gz = plain + ".gz";
            string text;
            if (File.Exists(plain))
            {
                text = File.ReadAllText(plain);
            }
            else if (File.Exists(gz))
            {
                using var stream = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
                using var reader = new StreamReader(stream);
                text = reader.ReadToEnd();
            }
            else
            {
                throw new InvalidOperationException($"No AWS service model at {plain}: install Debian's python3-botocore (apt-get install -y python3-botocore) or point DD_BOTOCORE_DATA at a botocore data folder.");
            }

            models[signing] = JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    /// <summary>Every problem with one request, empty when it matches the model.</summary>
    public IReadOnlyList<string> Check(RecordedQuery query)
    {
        if (!models.TryGetValue(query.Service, out var model))
        {
            return [$"signed for unknown service '{query.Service}'"];
        }

        var problems = new List<string>();
        var metadata = model.GetProperty("metadata");
        if (metadata.GetProperty("apiVersion").GetString() != query.Version)
        {
            problems.Add($"Version {query.Version}, model says {metadata.GetProperty("apiVersion").GetString()}");
        }

        if (metadata.TryGetProperty("signingName", out var signingName) && signingName.GetString() != query.Service)
        {
            problems.Add($"signed as {query.Service}, model says {signingName.GetString()}");
        }

        if (!model.GetProperty("operations").TryGetProperty(query.Action, out var operation))
        {
            return [.. problems, $"no operation {query.Action}"];
        }

        if (!operation.TryGetProperty("input", out var input))
        {
            return query.Parameters.Count == 0 ? problems : [.. problems, $"{query.Action} takes no input"];
        }

        var shapes = model.GetProperty("shapes");
        var root = input.GetProperty("shape").GetString()!;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in query.Parameters)
        {
            var problem = Walk(shapes, root, name.Split('.'), 0, string.Empty, value, present);
            if (problem is not null)
            {
                problems.Add($"{query.Action} {name}: {problem}");
            }
        }

        CheckRequired(shapes, root, string.Empty, present, problems, query.Action);
        return problems;
    }

    private static string? Walk(JsonElement shapes, string shapeName, string[] parts, int index, string prefix, string value, HashSet<string> present)
    {
        var shape = shapes.GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        switch (type)
        {
            case "structure":
                if (index >= parts.Length)
                {
                    return "a structure is not a value";
                }

                present.Add(prefix);
                foreach (var member in shape.GetProperty("members").EnumerateObject())
                {
                    var wire = member.Value.TryGetProperty("locationName", out var location) ? location.GetString() : member.Name;
                    if (wire == parts[index])
                    {
                        var path = prefix.Length == 0 ? wire! : $"{prefix}.{wire}";
                        present.Add(path);
                        return Walk(shapes, member.Value.GetProperty("shape").GetString()!, parts, index + 1, path, value, present);
                    }
                }

                return $"'{parts[index]}' is not a member of {shapeName}";
            case "list":
                var flattened = shape.TryGetProperty("flattened", out var f) && f.GetBoolean();
                var memberShape = shape.GetProperty("member");
                var memberName = memberShape.TryGetProperty("locationName", out var ml) ? ml.GetString()! : "member";
                var at = index;
                if (!flattened)
                {
                    if (at >= parts.Length || parts[at] != memberName)
                    {
                        return $"list {shapeName} needs '.{memberName}.N'";
                    }

                    at++;
                }

                if (at >= parts.Length || !int.TryParse(parts[at], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                {
                    return $"list {shapeName} needs a 1-based index";
                }

                return Walk(shapes, memberShape.GetProperty("shape").GetString()!, parts, at + 1, string.Join('.', parts[..(at + 1)]), value, present);
            default:
                if (index != parts.Length)
                {
                    return $"{shapeName} is a {type}, not a structure";
                }

                return type switch
                {
                    "integer" or "long" when !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) => $"'{value}' is not an {type}",
                    "double" or "float" when !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => $"'{value}' is not a {type}",
                    "boolean" when value is not ("true" or "false") => $"'{value}' is not a boolean",
                    "timestamp" when !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _) => $"'{value}' is not a timestamp",
                    "string" when shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == value) => $"'{value}' is not one of {shapeName}",
                    _ => null,
                };
        }
    }

    private static void CheckRequired(JsonElement shapes, string shapeName, string prefix, HashSet<string> present, List<string> problems, string action)
    {
        var shape = shapes.GetProperty(shapeName);
        if (shape.GetProperty("type").GetString() != "structure" || !present.Contains(prefix))
        {
            return;
        }

        var members = shape.GetProperty("members");
        if (shape.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                var member = members.GetProperty(name);
                var wire = member.TryGetProperty("locationName", out var location) ? location.GetString()! : name;
                var path = prefix.Length == 0 ? wire : $"{prefix}.{wire}";
                if (!present.Contains(path))
                {
                    problems.Add($"{action}: required {path} is missing");
                }
            }
        }

        foreach (var member in members.EnumerateObject())
        {
            var wire = member.Value.TryGetProperty("locationName", out var location) ? location.GetString()! : member.Name;
            var path = prefix.Length == 0 ? wire : $"{prefix}.{wire}";
            var child = member.Value.GetProperty("shape").GetString()!;
            if (shapes.GetProperty(child).GetProperty("type").GetString() == "structure")
            {
                CheckRequired(shapes, child, path, present, problems, action);
            }
            else if (shapes.GetProperty(child).GetProperty("type").GetString() == "list")
            {
                var list = shapes.GetProperty(child);
                var item = list.GetProperty("member").GetProperty("shape").GetString()!;
                var memberName = list.GetProperty("member").TryGetProperty("locationName", out var ml) ? ml.GetString()! : "member";
                foreach (var element in present.Where(p => p.StartsWith($"{path}.{memberName}.", StringComparison.Ordinal) && p.Count(c => c == '.') == path.Count(c => c == '.') + 2).ToList())
                {
                    CheckRequired(shapes, item, element, present, problems, action);
                }
            }
        }
    }
}
