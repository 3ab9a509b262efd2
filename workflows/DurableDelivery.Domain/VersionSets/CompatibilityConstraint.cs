using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>
/// A declared compatibility rule between two components of a stack, written
/// <c>&lt;component&gt; [&lt;op&gt; &lt;version&gt;] requires &lt;component&gt; [&lt;op&gt; &lt;version&gt;]</c>,
/// e.g. <c>api &gt;= 2.3 requires schema &gt;= 7</c>.
/// </summary>
/// <remarks>
/// When the pinned version of <see cref="When"/>'s component meets <see cref="When"/>, the pinned version of
/// <see cref="Requires"/>'s component must meet <see cref="Requires"/>. Versions in constraints may omit minor and
/// patch (<c>7</c> means <c>7.0.0</c>). Operators: <c>&gt;=</c>, <c>&gt;</c>, <c>&lt;=</c>, <c>&lt;</c>, <c>=</c>
/// (or <c>==</c>), <c>!=</c>.
/// </remarks>
public sealed partial record CompatibilityConstraint
{
    /// <summary>Gets the condition on the first component; the constraint applies only when it holds.</summary>
    public required VersionRequirement When { get; init; }

    /// <summary>Gets what the second component must then meet.</summary>
    public required VersionRequirement Requires { get; init; }

    /// <summary>Gets the line the constraint was read from, when it was parsed from a file.</summary>
    [JsonIgnore]
    public int? Line { get; init; }

    /// <summary>Parses a constraint.</summary>
    /// <param name="text">The text, e.g. <c>api &gt;= 2.3 requires schema &gt;= 7</c>.</param>
    /// <param name="constraint">The constraint when the text is valid.</param>
    /// <returns><see langword="true"/> when the text is a valid constraint.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CompatibilityConstraint? constraint)
    {
        constraint = null;
        var match = text is null ? Match.Empty : Grammar().Match(text);
        if (!match.Success)
        {
            return false;
        }

        if (!TryRequirement(match, "c1", "op1", "v1", out var when) || !TryRequirement(match, "c2", "op2", "v2", out var requires))
        {
            return false;
        }

        constraint = new CompatibilityConstraint { When = when, Requires = requires };
        return true;
    }

    /// <summary>Tells whether two pinned versions satisfy the constraint.</summary>
    /// <param name="whenVersion">The pinned version of <see cref="When"/>'s component.</param>
    /// <param name="requiresVersion">The pinned version of <see cref="Requires"/>'s component.</param>
    /// <returns><see langword="false"/> only when <see cref="When"/> holds and <see cref="Requires"/> does not.</returns>
    public bool IsSatisfiedBy(SemVer whenVersion, SemVer requiresVersion) =>
        !When.IsSatisfiedBy(whenVersion) || Requires.IsSatisfiedBy(requiresVersion);

    /// <summary>Returns the normalized text, e.g. <c>api &gt;= 2.3.0 requires schema &gt;= 7.0.0</c>.</summary>
    /// <returns>The normalized text, which <see cref="TryParse"/> reads back as an equal constraint.</returns>
    public override string ToString() => $"{When} requires {Requires}";

    private static bool TryRequirement(Match match, string c, string op, string v, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VersionRequirement? requirement)
    {
        requirement = null;
        if (!match.Groups[op].Success)
        {
            requirement = new VersionRequirement { Component = match.Groups[c].Value };
            return true;
        }

        if (VersionRequirement.ParseOperator(match.Groups[op].Value) is not { } parsedOp || !SemVer.TryParsePartial(match.Groups[v].Value, out var version))
        {
            return false;
        }

        requirement = new VersionRequirement { Component = match.Groups[c].Value, Operator = parsedOp, Version = version };
        return true;
    }

    [GeneratedRegex(
        @"^\s*(?<c1>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(?<op1>[<>=!]=?|==)\s*(?<v1>[^\s<>=!]+))?\s+requires\s+(?<c2>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(?<op2>[<>=!]=?|==)\s*(?<v2>[^\s<>=!]+))?\s*$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Grammar();
}
