namespace DurableDelivery.Server.Visibility;

/// <summary>
/// A visibility list filter translated to SQLite, for the visibility table (columns <c>workflow_id</c>,
/// <c>run_id</c>, <c>workflow_type</c>, <c>task_queue</c>, <c>status</c>, <c>start_time</c>, <c>execution_time</c>,
/// <c>close_time</c>, <c>history_length</c>, <c>parent_workflow_id</c>, <c>parent_run_id</c>,
/// <c>root_workflow_id</c>, <c>root_run_id</c>, <c>search_attributes</c>).
/// </summary>
/// <param name="Where">A boolean SQL expression to put after <c>WHERE</c> (it can be joined with <c>AND</c> to other
/// conditions without extra parentheses); <c>1=1</c> when the query has no filter. It holds no literal values, only
/// parameters <c>$p0</c>, <c>$p1</c>, ...</param>
/// <param name="Parameters">The parameters' names (<c>$p0</c>, ...) and values (<see cref="long"/>,
/// <see cref="double"/> or <see cref="string"/>), in order.</param>
/// <param name="OrderBy">The query's <c>ORDER BY</c> terms as SQL expressions over the table (a column, or an
/// expression such as <c>json_extract(search_attributes, '$."Name"')</c>) with their direction; empty when the query
/// has none. The caller decides whether to honour them.</param>
/// <param name="GroupByExecutionStatus">Whether the query ends in <c>GROUP BY ExecutionStatus</c>, which only
/// CountWorkflowExecutions accepts: the caller rejects it for a list.</param>
internal sealed record VisibilitySql(
    string Where,
    IReadOnlyList<KeyValuePair<string, object?>> Parameters,
    IReadOnlyList<(string Column, bool Descending)> OrderBy,
    bool GroupByExecutionStatus);
