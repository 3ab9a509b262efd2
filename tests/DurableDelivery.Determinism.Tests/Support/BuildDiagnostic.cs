using System.Globalization;
using System.Text.RegularExpressions;

namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>One error or warning as MSBuild's console logger prints it: <c>file(line,col): error ID: message [project]</c>.</summary>
public sealed partial record BuildDiagnostic(string File, int Line, string Severity, string Id, string Message)
{
    public static IReadOnlyList<BuildDiagnostic> Parse(string output) =>
        output.Split('\n')
            .Select(line => Canonical().Match(line.TrimEnd('\r')))
            .Where(match => match.Success)
            .Select(match => new BuildDiagnostic(
                match.Groups["file"].Value,
                match.Groups["line"].Success ? int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture) : 0,
                match.Groups["severity"].Value,
                match.Groups["id"].Value,
                match.Groups["message"].Value))
            .Distinct()
            .ToList();

    public override string ToString() => $"{Path.GetFileName(File)}({Line}): {Severity} {Id}: {Message}";

    // The analyzer's help link is printed after the message as " (https://...)"; the project as " [path]".
    [GeneratedRegex(@"^\s*(?<file>[^\s(][^(]*?)(\((?<line>\d+),\d+\))?\s*:\s+(?<severity>error|warning)\s+(?<id>[A-Z]+[0-9]+)\s*:\s*(?<message>.*?)(\s\(https?://[^)]*\))?(\s\[[^\]]*\])?$")]
    private static partial Regex Canonical();
}
