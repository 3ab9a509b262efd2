using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>A comparison in a <see cref="VersionRequirement"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VersionOperator>))]
public enum VersionOperator
{
    /// <summary>Any version (the requirement only names the component).</summary>
    Any,

    /// <summary><c>=</c> (or <c>==</c>): equal precedence.</summary>
    Equal,

    /// <summary><c>!=</c>: different precedence.</summary>
    NotEqual,

    /// <summary><c>&gt;</c>.</summary>
    Greater,

    /// <summary><c>&gt;=</c>.</summary>
    GreaterOrEqual,

    /// <summary><c>&lt;</c>.</summary>
    Less,

    /// <summary><c>&lt;=</c>.</summary>
    LessOrEqual,
}
