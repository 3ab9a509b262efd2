namespace DurableDelivery.Server.Visibility;

/// <summary>The comparison a predicate makes between a search attribute and its value(s).</summary>
internal enum VisibilityOperator
{
    /// <summary><c>=</c></summary>
    Equal,

    /// <summary><c>!=</c> or <c>&lt;&gt;</c></summary>
    NotEqual,

    /// <summary><c>&lt;</c></summary>
    Less,

    /// <summary><c>&lt;=</c></summary>
    LessOrEqual,

    /// <summary><c>&gt;</c></summary>
    Greater,

    /// <summary><c>&gt;=</c></summary>
    GreaterOrEqual,

    /// <summary><c>IN (a, b, ...)</c></summary>
    In,

    /// <summary><c>NOT IN (a, b, ...)</c></summary>
    NotIn,

    /// <summary><c>BETWEEN a AND b</c> (both ends included)</summary>
    Between,

    /// <summary><c>NOT BETWEEN a AND b</c></summary>
    NotBetween,

    /// <summary><c>STARTS_WITH 'prefix'</c></summary>
    StartsWith,

    /// <summary><c>NOT STARTS_WITH 'prefix'</c></summary>
    NotStartsWith,

    /// <summary><c>IS NULL</c></summary>
    IsNull,

    /// <summary><c>IS NOT NULL</c></summary>
    IsNotNull,
}
