namespace DurableDelivery.Server.Visibility;

/// <summary>
/// One token of a visibility list filter. <see cref="Text"/> is the decoded text (a string literal without its
/// quotes and with doubled quotes collapsed, a backquoted name without the backquotes); <see cref="Position"/> and
/// <see cref="Length"/> locate the token's source text (0-based character offset).
/// </summary>
internal readonly record struct VisibilityToken(VisibilityTokenKind Kind, string Text, int Position, int Length)
{
    /// <summary>Whether this is the unquoted keyword <paramref name="keyword"/>, written in any case.</summary>
    public bool IsKeyword(string keyword) =>
        Kind == VisibilityTokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
}
