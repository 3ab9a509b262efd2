using System.Globalization;

namespace DurableDelivery.Server.Visibility;

/// <summary>A literal value in a visibility filter.</summary>
/// <param name="Kind">What kind of literal it is.</param>
/// <param name="Text">A string's decoded text, a number's source text, or <c>true</c> / <c>false</c>.</param>
/// <param name="Position">The 0-based offset of the literal in the query.</param>
internal sealed record VisibilityLiteral(VisibilityLiteralKind Kind, string Text, int Position)
{
    /// <summary>The literal as the query would write it, for error messages: strings in single quotes.</summary>
    public string Display => Kind == VisibilityLiteralKind.String ? "'" + Text + "'" : Text;

    /// <summary>What kind of value this is, with an article, for error messages ("a string").</summary>
    public string KindDisplay => Kind switch
    {
        VisibilityLiteralKind.String => "a string",
        VisibilityLiteralKind.Integer => "an integer",
        VisibilityLiteralKind.Float => "a number",
        _ => "a boolean",
    };

    /// <summary>An integer literal's value.</summary>
    public long IntegerValue => long.Parse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>A number literal's value (integer or float).</summary>
    public double NumberValue => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A boolean literal's value.</summary>
    public bool BooleanValue => string.Equals(Text, "true", StringComparison.OrdinalIgnoreCase);
}
