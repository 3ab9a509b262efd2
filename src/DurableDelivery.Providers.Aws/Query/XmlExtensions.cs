using System.Globalization;
using System.Xml.Linq;

namespace DurableDelivery.Providers.Aws.Query;

/// <summary>Namespace-agnostic navigation of Query API responses (each service has its own XML namespace).</summary>
internal static class XmlExtensions
{
    public static XElement? Child(this XElement? element, string name) =>
        element?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public static IEnumerable<XElement> Members(this XElement? element, string listName) =>
        element.Child(listName)?.Elements().Where(e => e.Name.LocalName == "member") ?? [];

    public static string? Text(this XElement? element, string name) => element.Child(name)?.Value;

    public static string Required(this XElement? element, string name) =>
        element.Text(name) ?? throw new InvalidDataException($"AWS response element '{element?.Name.LocalName}' has no '{name}'.");

    public static int? Int(this XElement? element, string name) =>
        element.Text(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    public static double? Double(this XElement? element, string name) =>
        element.Text(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : null;

    public static DateTimeOffset? Time(this XElement? element, string name) =>
        element.Text(name) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;

    public static Dictionary<string, string> Tags(this XElement? element, string listName = "Tags") =>
        element.Members(listName)
            .Where(t => t.Text("Key") is not null)
            .GroupBy(t => t.Text("Key")!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Text("Value") ?? string.Empty, StringComparer.Ordinal);
}
