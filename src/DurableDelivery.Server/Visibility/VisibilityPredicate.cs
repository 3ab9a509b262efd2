namespace DurableDelivery.Server.Visibility;

/// <summary>One comparison: a search attribute, an operator and its values.</summary>
/// <param name="Attribute">The search attribute's name as written (backquotes removed).</param>
/// <param name="AttributePosition">The 0-based offset of the name in the query.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Values">One value for the binary operators, the list for IN / NOT IN, the two bounds for
/// BETWEEN, none for IS NULL / IS NOT NULL.</param>
internal sealed record VisibilityPredicate(
    string Attribute,
    int AttributePosition,
    VisibilityOperator Operator,
    IReadOnlyList<VisibilityLiteral> Values) : VisibilityExpression;
