namespace DurableDelivery.Server.Visibility;

/// <summary>
/// Temporal's visibility list filter (the <c>query</c> of ListWorkflowExecutions and CountWorkflowExecutions),
/// translated to a SQLite WHERE clause over the visibility table. See <see cref="VisibilityParser"/> for the
/// language and <see cref="VisibilitySqlTranslator"/> for what each attribute type allows.
/// </summary>
internal static class VisibilityQuery
{
    /// <summary>
    /// Parses <paramref name="query"/> and translates it to SQL. An empty or blank query matches everything.
    /// </summary>
    /// <param name="query">The filter, e.g. <c>WorkflowType = 'Order' AND ExecutionStatus = 'Running'</c>.</param>
    /// <param name="customAttributes">The namespace's custom search attributes by name (case-sensitive), kept in the
    /// <c>search_attributes</c> JSON column.</param>
    /// <returns>The WHERE expression, its parameters, the ORDER BY terms and the GROUP BY flag.</returns>
    /// <exception cref="VisibilityQueryException">The query is malformed, names an unknown attribute, uses an
    /// operator its type does not allow, or has a value of the wrong type; the message says which.</exception>
    public static VisibilitySql Translate(
        string query, IReadOnlyDictionary<string, SearchAttributeKind> customAttributes)
    {
        ArgumentNullException.ThrowIfNull(customAttributes);
        var parsed = VisibilityParser.Parse(query);
        return new VisibilitySqlTranslator(customAttributes).Translate(parsed);
    }
}
