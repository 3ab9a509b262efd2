using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Sdk.V1;

namespace DurableDelivery.Server.History;

/// <summary>Everything a new run starts from: a client's start, a child start, a continue-as-new, a retry, cron.
/// </summary>
internal sealed record NewRun
{
    public string? RunId { get; init; }
    public required string Namespace { get; init; }
    public required string WorkflowId { get; init; }
    public required string WorkflowType { get; init; }
    public required string TaskQueue { get; init; }
    public Payloads? Input { get; init; }
    public long ExecutionTimeoutMs { get; init; }
    public long RunTimeoutMs { get; init; }
    public long TaskTimeoutMs { get; init; }
    public string Identity { get; init; } = "";
    public string RequestId { get; init; } = "";
    public RetryPolicy? RetryPolicy { get; init; }
    public string CronSchedule { get; init; } = "";
    public Memo? Memo { get; init; }
    public SearchAttributes? SearchAttributes { get; init; }
    public Header? Header { get; init; }
    public UserMetadata? UserMetadata { get; init; }
    public string? ParentNamespace { get; init; }
    public WorkflowExecution? ParentExecution { get; init; }
    public long ParentInitiatedEventId { get; init; }
    public WorkflowExecution? Root { get; init; }
    public string? ContinuedFromRunId { get; init; }
    public ContinueAsNewInitiator Initiator { get; init; }
    public Payloads? LastCompletionResult { get; init; }
    public Failure? ContinuedFailure { get; init; }
    public string? FirstRunId { get; init; }
    public int Attempt { get; init; } = 1;
    public long BackoffMs { get; init; }
    public long? ExecutionExpiry { get; init; }
}
