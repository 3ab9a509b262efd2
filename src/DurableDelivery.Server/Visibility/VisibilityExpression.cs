namespace DurableDelivery.Server.Visibility;

/// <summary>A node of a parsed visibility filter's WHERE part: a predicate, NOT, or an AND / OR group.</summary>
internal abstract record VisibilityExpression;
