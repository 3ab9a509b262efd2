namespace DurableDelivery.Server.Visibility;

/// <summary>One term of an <c>ORDER BY</c> clause.</summary>
/// <param name="Attribute">The search attribute's name.</param>
/// <param name="Position">The 0-based offset of the name in the query.</param>
/// <param name="Descending">True for <c>DESC</c>; <c>ASC</c> or nothing is ascending.</param>
internal sealed record VisibilityOrderTerm(string Attribute, int Position, bool Descending);
