using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DurableDelivery.Domain.Common;
using YamlDotNet.RepresentationModel;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>
/// Every component of a stack pinned to a version, plus the compatibility constraints between components: what a
/// delivery takes to an environment.
/// </summary>
/// <remarks>
/// Read one with <see cref="Parse"/> (YAML or JSON). A version set is validated before anything is provisioned; an
/// invalid or incompatible one is refused with every problem listed. <see cref="ContentHash"/> recognizes the same
/// version set delivered twice, whatever the key order, whitespace or <c>v</c> prefixes of the file.
/// </remarks>
public sealed partial record VersionSet
{
    /// <summary>Gets the name of the stack the version set pins.</summary>
    public required string Stack { get; init; }

    /// <summary>Gets the pinned components, in file order.</summary>
    public required IReadOnlyList<VersionSetComponent> Components { get; init; }

    /// <summary>Gets the declared compatibility constraints, in file order.</summary>
    /// <value>The default is none.</value>
    public IReadOnlyList<CompatibilityConstraint> Constraints { get; set; } = [];

    /// <summary>Gets the name of the input the version set was read from (for messages), e.g. <c>infra/version-sets/v2.yaml</c>.</summary>
    /// <value>The default is <c>version-set</c>.</value>
    public string Source { get; set; } = "version-set";

    /// <summary>
    /// Gets the canonical content hash: <c>sha256:</c> and 64 hex digits over the stack, the components sorted by name
    /// (normalized version and artifact) and the normalized constraints sorted.
    /// </summary>
    /// <remarks>Stable across key order, whitespace, component order, <c>v</c> prefixes and <see cref="Source"/>.</remarks>
    public string ContentHash
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append("stack=").Append(Stack).Append('\n');
            foreach (var c in Components.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                sb.Append("component=").Append(c.Name).Append('|').Append(c.Version).Append('|').Append(c.Artifact).Append('\n');
            }

            foreach (var text in Constraints.Select(c => c.ToString()).Order(StringComparer.Ordinal))
            {
                sb.Append("constraint=").Append(text).Append('\n');
            }

            return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
        }
    }

    /// <summary>Finds a component by name.</summary>
    /// <param name="name">The component name (case-sensitive).</param>
    /// <returns>The component, or <see langword="null"/>.</returns>
    public VersionSetComponent? Find(string name) => Components.FirstOrDefault(c => c.Name == name);

    /// <summary>
    /// Parses and validates a version set from YAML or JSON, reporting every problem at once with its line.
    /// </summary>
    /// <param name="text">The file's text (the caller reads the file; this library does no I/O).</param>
    /// <param name="sourceName">The name used in messages, e.g. the file path.</param>
    /// <returns>The version set when it is valid; otherwise every problem.</returns>
    /// <example>
    /// <code>
    /// stack: sample
    /// components:
    ///   - name: app
    ///     version: 2.0.0
    ///     artifact: sample-v2
    /// constraints:
    ///   - app >= 2 requires schema >= 7
    /// </code>
    /// </example>
    public static ParseResult<VersionSet> Parse(string text, string sourceName)
    {
        var problems = new List<DomainProblem>();
        var input = new YamlInput(sourceName, problems);
        var root = input.LoadRoot(text, "version set");
        if (root is null)
        {
            return ParseResult<VersionSet>.From(null, problems);
        }

        var keys = input.Keys(root, "the version set", "stack", "components", "constraints");
        var stack = input.Scalar(keys, "stack", "the version set");

        var drafts = new List<Draft>();
        if (input.Sequence(keys, "components", "the version set") is { } seq)
        {
            var index = 0;
            foreach (var item in seq.Children)
            {
                index++;
                if (item is not YamlMappingNode map)
                {
                    input.Problem(item, $"Component #{index} must be a mapping with name, version and artifact, not a single value or list.");
                    continue;
                }

                var ck = input.Keys(map, $"component #{index}", "name", "version", "artifact");
                var versionText = input.Scalar(ck, "version", $"component #{index}");
                var version = SemVer.TryParse(versionText, out var v) ? v : null;
                drafts.Add(new Draft(
                    input.Scalar(ck, "name", $"component #{index}"),
                    versionText,
                    version,
                    input.Scalar(ck, "artifact", $"component #{index}"),
                    YamlInput.LineOf(map),
                    index,
                    ck.TryGetValue("version", out var vn) ? YamlInput.LineOf(vn) : YamlInput.LineOf(map)));
            }
        }

        var constraints = new List<CompatibilityConstraint>();
        if (input.Sequence(keys, "constraints", "the version set") is { } cseq)
        {
            foreach (var item in cseq.Children)
            {
                var ctext = item is YamlScalarNode s ? s.Value : null;
                if (CompatibilityConstraint.TryParse(ctext, out var constraint))
                {
                    constraints.Add(constraint with { Line = YamlInput.LineOf(item) });
                }
                else
                {
                    input.Problem(item, BadConstraint(ctext ?? "(a mapping or list)"));
                }
            }
        }

        Check(stack, drafts, constraints, sourceName, problems);
        if (problems.Count > 0 || stack is null)
        {
            return ParseResult<VersionSet>.From(null, problems);
        }

        var set = new VersionSet
        {
            Stack = stack,
            Components = drafts.Select(d => new VersionSetComponent { Name = d.Name!, Version = d.Version!, Artifact = d.Artifact!, Line = d.Line }).ToArray(),
            Constraints = constraints,
            Source = sourceName,
        };
        return ParseResult<VersionSet>.From(set, problems);
    }

    /// <summary>
    /// Validates the version set: stack name, component names, duplicates, artifacts, constraints that name unknown
    /// components and constraints the pinned versions do not satisfy.
    /// </summary>
    /// <returns>Every problem, in order; empty when the version set may be delivered.</returns>
    /// <remarks><see cref="Parse"/> already runs these checks; call this on version sets built in code.</remarks>
    public IReadOnlyList<DomainProblem> Validate()
    {
        var problems = new List<DomainProblem>();
        var drafts = Components.Select((c, i) => new Draft(c.Name, c.Version?.ToString(), c.Version, c.Artifact, c.Line, i + 1, c.Line)).ToList();
        Check(Stack, drafts, Constraints, Source, problems);
        return problems;
    }

    internal static string BadConstraint(string text) =>
        $"Constraint '{text}' cannot be read. Write '<component> [<op> <version>] requires <component> [<op> <version>]' with op one of >=, >, <=, <, =, !=, e.g. 'api >= 2.3 requires schema >= 7'.";

    private static void Check(string? stack, List<Draft> drafts, IReadOnlyList<CompatibilityConstraint> constraints, string source, List<DomainProblem> problems)
    {
        void Add(int? line, string message) => problems.Add(new DomainProblem { Source = source, Line = line, Message = message });

        if (string.IsNullOrWhiteSpace(stack))
        {
            Add(null, "Version set has no 'stack'. Set 'stack' to the name of the stack it pins, e.g. 'stack: sample'.");
        }

        if (drafts.Count == 0)
        {
            Add(null, $"Version set '{stack}' has no components. Add at least one under 'components' with name, version and artifact.");
        }

        var seen = new Dictionary<string, Draft>(StringComparer.Ordinal);
        foreach (var d in drafts)
        {
            if (string.IsNullOrWhiteSpace(d.Name))
            {
                Add(d.Line, $"Component #{d.Index} has no 'name'. Set 'name' to the component's name, e.g. 'name: api'.");
            }
            else if (!NamePattern().IsMatch(d.Name))
            {
                Add(d.Line, $"Component name '{d.Name}' is not valid. Use letters, digits, '.', '_' and '-', starting with a letter or digit.");
            }
            else if (seen.TryGetValue(d.Name, out var first))
            {
                Add(d.Line, first.Line is { } l
                    ? $"Component '{d.Name}' is declared more than once (first at line {l}). Keep one entry per component."
                    : $"Component '{d.Name}' is declared more than once. Keep one entry per component.");
            }
            else
            {
                seen.Add(d.Name, d);
            }

            var label = string.IsNullOrWhiteSpace(d.Name) ? $"#{d.Index}" : $"'{d.Name}'";
            if (d.VersionText is null)
            {
                Add(d.Line, $"Component {label} has no 'version'. Set 'version' to a semantic version, e.g. 'version: 2.3.0'.");
            }
            else if (d.Version is null)
            {
                Add(d.VersionLine, $"Component {label} has version '{d.VersionText}', which is not a semantic version. Use MAJOR.MINOR.PATCH with an optional 'v' prefix, '-prerelease' and '+build', e.g. '2.3.0' or 'v2.3.0-rc.1'.");
            }

            if (string.IsNullOrWhiteSpace(d.Artifact))
            {
                Add(d.Line, $"Component {label} has no 'artifact'. Set 'artifact' to the id of the artifact to deploy, e.g. 'artifact: sample-v1'.");
            }
        }

        var known = string.Join(", ", seen.Keys.Order(StringComparer.Ordinal));
        foreach (var c in constraints)
        {
            var unknown = new[] { c.When.Component, c.Requires.Component }.Distinct(StringComparer.Ordinal).Where(n => !seen.ContainsKey(n)).ToList();
            foreach (var name in unknown)
            {
                Add(c.Line, $"Constraint '{c}' names unknown component '{name}'. Declare '{name}' under 'components' or fix the name; components: {(known.Length == 0 ? "(none)" : known)}.");
            }

            if (unknown.Count > 0 || seen[c.When.Component].Version is not { } whenVersion || seen[c.Requires.Component].Version is not { } requiresVersion)
            {
                continue;
            }

            if (!c.IsSatisfiedBy(whenVersion, requiresVersion))
            {
                var fix = c.Requires.Operator == VersionOperator.Any
                    ? string.Empty
                    : $"Pin {c.Requires.Component} to a version {c.Requires.OperatorText} {c.Requires.Version}";
                fix += c.When.Operator == VersionOperator.Any
                    ? "."
                    : $"{(fix.Length == 0 ? "Pin " : ", or ")}{c.When.Component} to a version outside {c.When.OperatorText} {c.When.Version}.";
                Add(c.Line, $"Constraint '{c}' is not satisfied: {c.When.Component} is {whenVersion} but {c.Requires.Component} is {requiresVersion}. {fix}");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    private sealed record Draft(string? Name, string? VersionText, SemVer? Version, string? Artifact, int? Line, int Index, int? VersionLine);
}
