namespace DurableDelivery.Server.Visibility;

/// <summary>The kinds of literal value a visibility filter can hold.</summary>
internal enum VisibilityLiteralKind
{
    /// <summary>A quoted string.</summary>
    String,

    /// <summary>A number without fraction or exponent that fits a 64-bit integer.</summary>
    Integer,

    /// <summary>Any other number.</summary>
    Float,

    /// <summary>The keyword <c>TRUE</c> or <c>FALSE</c>.</summary>
    Boolean,
}
