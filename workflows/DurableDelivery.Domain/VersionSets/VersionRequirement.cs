namespace DurableDelivery.Domain.VersionSets;

/// <summary>One side of a compatibility constraint: a component and, optionally, a comparison with a version.</summary>
public sealed record VersionRequirement
{
    /// <summary>Gets the component name.</summary>
    public required string Component { get; init; }

    /// <summary>Gets the comparison.</summary>
    /// <value>The default is <see cref="VersionOperator.Any"/>: any version of the component matches.</value>
    public VersionOperator Operator { get; set; } = VersionOperator.Any;

    /// <summary>Gets the version compared with; <see langword="null"/> only for <see cref="VersionOperator.Any"/>.</summary>
    public SemVer? Version { get; init; }

    /// <summary>Tells whether a version of <see cref="Component"/> meets this requirement.</summary>
    /// <param name="version">The pinned version of the component.</param>
    /// <returns><see langword="true"/> when the version meets the requirement.</returns>
    public bool IsSatisfiedBy(SemVer version) => Operator switch
    {
        VersionOperator.Any => true,
        VersionOperator.Equal => version == Version!,
        VersionOperator.NotEqual => version != Version!,
        VersionOperator.Greater => version > Version!,
        VersionOperator.GreaterOrEqual => version >= Version!,
        VersionOperator.Less => version < Version!,
        VersionOperator.LessOrEqual => version <= Version!,
        _ => false,
    };

    /// <summary>Returns the requirement as written in a constraint, normalized, e.g. <c>api &gt;= 2.3.0</c>.</summary>
    /// <returns>The normalized text.</returns>
    public override string ToString() =>
        Operator == VersionOperator.Any ? Component : $"{Component} {OperatorText} {Version}";

    /// <summary>Gets the comparison as text (<c>&gt;=</c>, <c>=</c>...), empty for <see cref="VersionOperator.Any"/>.</summary>
    internal string OperatorText => Operator switch
    {
        VersionOperator.Equal => "=",
        VersionOperator.NotEqual => "!=",
        VersionOperator.Greater => ">",
        VersionOperator.GreaterOrEqual => ">=",
        VersionOperator.Less => "<",
        VersionOperator.LessOrEqual => "<=",
        _ => string.Empty,
    };

    internal static VersionOperator? ParseOperator(string text) => text switch
    {
        "=" or "==" => VersionOperator.Equal,
        "!=" => VersionOperator.NotEqual,
        ">" => VersionOperator.Greater,
        ">=" => VersionOperator.GreaterOrEqual,
        "<" => VersionOperator.Less,
        "<=" => VersionOperator.LessOrEqual,
        _ => null,
    };
}
