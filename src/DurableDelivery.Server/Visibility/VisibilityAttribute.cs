namespace DurableDelivery.Server.Visibility;

/// <summary>
/// A search attribute resolved for translation: its type and the SQL expression that reads it from a row of the
/// visibility table.
/// </summary>
/// <param name="Name">The attribute's name, e.g. <c>WorkflowId</c> or a custom attribute's.</param>
/// <param name="Kind">Its type; it decides the operators and literals allowed.</param>
/// <param name="Sql">The SQL expression reading it: a column, <c>(close_time - start_time)</c>, or a
/// <c>json_extract</c> of the <c>search_attributes</c> column.</param>
/// <param name="JsonPath">For attributes kept in the <c>search_attributes</c> JSON: the JSON path as an SQL string
/// literal (<c>'$."Name"'</c>); null for columns.</param>
/// <param name="Special">Attributes whose literals are converted specially.</param>
internal sealed record VisibilityAttribute(
    string Name,
    SearchAttributeKind Kind,
    string Sql,
    string? JsonPath,
    VisibilitySpecialAttribute Special = VisibilitySpecialAttribute.None);
