namespace DurableDelivery.Server.Visibility;

/// <summary>
/// The search attributes a visibility filter may name: Temporal's system attributes (columns of the visibility
/// table), the predefined ones kept in the <c>search_attributes</c> JSON, and the namespace's custom ones.
/// </summary>
internal static class VisibilitySearchAttributes
{
    /// <summary>The column holding the custom (and predefined non-column) search attributes as a JSON object.</summary>
    public const string JsonColumn = "search_attributes";

    private static readonly Dictionary<string, VisibilityAttribute> SystemAttributes = new VisibilityAttribute[]
    {
        new("WorkflowId", SearchAttributeKind.Keyword, "workflow_id", null),
        new("RunId", SearchAttributeKind.Keyword, "run_id", null),
        new("WorkflowType", SearchAttributeKind.Keyword, "workflow_type", null),
        new("TaskQueue", SearchAttributeKind.Keyword, "task_queue", null),
        new("ExecutionStatus", SearchAttributeKind.Keyword, "status", null, VisibilitySpecialAttribute.ExecutionStatus),
        new("StartTime", SearchAttributeKind.Datetime, "start_time", null),
        new("ExecutionTime", SearchAttributeKind.Datetime, "execution_time", null),
        new("CloseTime", SearchAttributeKind.Datetime, "close_time", null),
        new("HistoryLength", SearchAttributeKind.Int, "history_length", null),
        new("ParentWorkflowId", SearchAttributeKind.Keyword, "parent_workflow_id", null),
        new("ParentRunId", SearchAttributeKind.Keyword, "parent_run_id", null),
        new("RootWorkflowId", SearchAttributeKind.Keyword, "root_workflow_id", null),
        new("RootRunId", SearchAttributeKind.Keyword, "root_run_id", null),
        new(
            "ExecutionDuration",
            SearchAttributeKind.Int,
            "(close_time - start_time)",
            null,
            VisibilitySpecialAttribute.ExecutionDuration),
    }.ToDictionary(a => a.Name, StringComparer.Ordinal);

    private static readonly Dictionary<string, SearchAttributeKind> Predefined = new(StringComparer.Ordinal)
    {
        ["TemporalChangeVersion"] = SearchAttributeKind.KeywordList,
        ["BinaryChecksums"] = SearchAttributeKind.KeywordList,
        ["BuildIds"] = SearchAttributeKind.KeywordList,
        ["TemporalWorkerDeploymentVersion"] = SearchAttributeKind.Keyword,
        ["TemporalWorkflowVersioningBehavior"] = SearchAttributeKind.Keyword,
    };

    /// <summary>The names of the system attributes (columns), e.g. <c>WorkflowId</c>.</summary>
    public static IReadOnlyCollection<string> SystemNames => SystemAttributes.Keys;

    /// <summary>The predefined attributes kept in the JSON column, with their types.</summary>
    public static IReadOnlyDictionary<string, SearchAttributeKind> PredefinedAttributes => Predefined;

    /// <summary>
    /// Resolves <paramref name="name"/> (case-sensitive): a system attribute first, then a predefined one, then a
    /// custom one.
    /// </summary>
    /// <exception cref="VisibilityQueryException">The name is none of them, or cannot be addressed in JSON.
    /// </exception>
    public static VisibilityAttribute Resolve(string name, IReadOnlyDictionary<string, SearchAttributeKind> custom)
    {
        if (SystemAttributes.TryGetValue(name, out var system))
        {
            return system;
        }

        if (Predefined.TryGetValue(name, out var kind) || custom.TryGetValue(name, out kind))
        {
            if (!Enum.IsDefined(kind))
            {
                throw VisibilityQueryException.Invalid($"unknown search attribute type {(int)kind} for {name}");
            }

            var path = JsonPathLiteral(name);
            return new VisibilityAttribute(name, kind, $"json_extract({JsonColumn}, {path})", path);
        }

        throw VisibilityQueryException.Invalid($"unknown or unsupported search attribute name: {name}");
    }

    /// <summary>
    /// The SQL string literal of the JSON path to the member <paramref name="name"/>: <c>'$."name"'</c>, with
    /// single quotes doubled. SQLite's JSON paths have no escape for a double quote inside a quoted label, so
    /// such names are refused (Temporal's search attribute names never hold one).
    /// </summary>
    private static string JsonPathLiteral(string name)
    {
        if (name.Length == 0 || name.Contains('"', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            throw VisibilityQueryException.Invalid($"search attribute name cannot be queried: {name}");
        }

        return "'$.\"" + name.Replace("'", "''", StringComparison.Ordinal) + "\"'";
    }
}
