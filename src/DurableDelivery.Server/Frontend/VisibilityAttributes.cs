using Temporalio.Api.Enums.V1;

namespace DurableDelivery.Server.Frontend;

/// <summary>The system search attributes this server lists (Temporal's sadefs).</summary>
internal static class VisibilityAttributes
{
    /// <summary>System attributes and their types.</summary>
    public static IReadOnlyList<(string Name, IndexedValueType Type)> System { get; } =
    [
        ("WorkflowId", IndexedValueType.Keyword),
        ("RunId", IndexedValueType.Keyword),
        ("WorkflowType", IndexedValueType.Keyword),
        ("StartTime", IndexedValueType.Datetime),
        ("ExecutionTime", IndexedValueType.Datetime),
        ("CloseTime", IndexedValueType.Datetime),
        ("ExecutionStatus", IndexedValueType.Keyword),
        ("TaskQueue", IndexedValueType.Keyword),
        ("HistoryLength", IndexedValueType.Int),
        ("ExecutionDuration", IndexedValueType.Int),
        ("ParentWorkflowId", IndexedValueType.Keyword),
        ("ParentRunId", IndexedValueType.Keyword),
        ("RootWorkflowId", IndexedValueType.Keyword),
        ("RootRunId", IndexedValueType.Keyword),
        ("TemporalChangeVersion", IndexedValueType.KeywordList),
        ("BinaryChecksums", IndexedValueType.KeywordList),
        ("BuildIds", IndexedValueType.KeywordList),
    ];
}
