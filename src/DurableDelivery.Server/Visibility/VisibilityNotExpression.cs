namespace DurableDelivery.Server.Visibility;

/// <summary><c>NOT</c> applied to an expression.</summary>
/// <param name="Operand">The negated expression.</param>
internal sealed record VisibilityNotExpression(VisibilityExpression Operand) : VisibilityExpression;
