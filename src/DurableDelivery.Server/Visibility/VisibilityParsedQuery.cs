namespace DurableDelivery.Server.Visibility;

/// <summary>A parsed visibility filter, before its names are resolved to search attributes.</summary>
/// <param name="Where">The filter, or null when the query has none (everything matches).</param>
/// <param name="GroupBy">The <c>GROUP BY</c> names with their positions, in order (usually none).</param>
/// <param name="OrderBy">The <c>ORDER BY</c> terms, in order (usually none).</param>
internal sealed record VisibilityParsedQuery(
    VisibilityExpression? Where,
    IReadOnlyList<(string Attribute, int Position)> GroupBy,
    IReadOnlyList<VisibilityOrderTerm> OrderBy);
