namespace DurableDelivery.Server.Persistence;

/// <summary>One run's row: its visibility columns and its mutable state, written together in one commit.</summary>
internal sealed record ExecutionRow(
    string Namespace,
    string WorkflowId,
    string RunId,
    string WorkflowType,
    string TaskQueue,
    int Status,
    long StartTime,
    long ExecutionTime,
    long? CloseTime,
    long HistoryLength,
    long HistorySize,
    string? ParentWorkflowId,
    string? ParentRunId,
    string? RootWorkflowId,
    string? RootRunId,
    string SearchAttributesJson,
    byte[] State);
