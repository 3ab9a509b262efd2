namespace DurableDelivery.Server.Visibility;

/// <summary>Two or more expressions joined by AND (<paramref name="IsAnd"/>) or OR.</summary>
/// <param name="IsAnd">True for AND, false for OR.</param>
/// <param name="Operands">The joined expressions, in source order; at least two.</param>
internal sealed record VisibilityLogicalExpression(bool IsAnd, IReadOnlyList<VisibilityExpression> Operands)
    : VisibilityExpression;
