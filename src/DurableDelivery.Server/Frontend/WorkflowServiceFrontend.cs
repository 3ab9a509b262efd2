using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.History;
using DurableDelivery.Server.Time;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.Frontend;

/// <summary>
/// <c>temporal.api.workflowservice.v1.WorkflowService</c>: validates each request the way Temporal's frontend does,
/// then hands it to the history engine. Bound by name from the service descriptor
/// (<see cref="ServiceBinder{TService}"/>); RPCs not written here answer UNIMPLEMENTED.
/// </summary>
internal sealed partial class WorkflowServiceFrontend
{
    private readonly HistoryEngine engine;
    private readonly RequestValidator check;
    private readonly ILogger<WorkflowServiceFrontend> logger;

    /// <summary>Creates the frontend.</summary>
    public WorkflowServiceFrontend(HistoryEngine engine, ILogger<WorkflowServiceFrontend> logger)
    {
        this.engine = engine;
        this.logger = logger;
        check = new RequestValidator(engine);
    }

    /// <summary>StartWorkflowExecution.</summary>
    public async Task<StartWorkflowExecutionResponse> StartWorkflowExecution(
        StartWorkflowExecutionRequest request, ServerCallContext context)
    {
        var run = ValidateStart(request);
        var result = await engine.StartAsync(request, run).ConfigureAwait(false);
        return new StartWorkflowExecutionResponse
        {
            RunId = result.RunId,
            Started = result.Started,
            Status = WorkflowExecutionStatus.Running,
            EagerWorkflowTask = result.EagerTask,
        };
    }

    private NewRun ValidateStart(StartWorkflowExecutionRequest r)
    {
        check.Namespace(r.Namespace);
        check.Required(r.WorkflowId, "WorkflowId");
        check.Required(r.WorkflowType?.Name, "WorkflowType");
        check.Required(r.TaskQueue?.Name, "TaskQueue");
        RequestValidator.Duration(r.WorkflowExecutionTimeout, "WorkflowExecutionTimeout");
        RequestValidator.Duration(r.WorkflowRunTimeout, "WorkflowRunTimeout");
        RequestValidator.Duration(r.WorkflowTaskTimeout, "WorkflowTaskTimeout");
        RequestValidator.Duration(r.WorkflowStartDelay, "WorkflowStartDelay");
        check.Blob(r.Input, "Input");
        check.Blob(r.Memo, "Memo");
        check.SearchAttributes(r.Namespace, r.SearchAttributes);
        check.Length(r.RequestId, "RequestId");
        if (!string.IsNullOrEmpty(r.CronSchedule))
        {
            throw RpcErrors.InvalidArgument(
                "CronSchedule is not supported by the embedded Temporal server; use a schedule or a workflow timer.");
        }

        return new NewRun
        {
            Namespace = r.Namespace,
            WorkflowId = r.WorkflowId,
            WorkflowType = r.WorkflowType!.Name,
            TaskQueue = r.TaskQueue!.Name,
            Input = r.Input,
            ExecutionTimeoutMs = Nanos.Ms(r.WorkflowExecutionTimeout),
            RunTimeoutMs = Nanos.Ms(r.WorkflowRunTimeout),
            TaskTimeoutMs = Nanos.Ms(r.WorkflowTaskTimeout),
            Identity = r.Identity,
            RequestId = string.IsNullOrEmpty(r.RequestId) ? Guid.NewGuid().ToString() : r.RequestId,
            RetryPolicy = r.RetryPolicy,
            Memo = r.Memo,
            SearchAttributes = r.SearchAttributes,
            Header = r.Header,
            UserMetadata = r.UserMetadata,
            BackoffMs = Nanos.Ms(r.WorkflowStartDelay),
        };
    }

    /// <summary>SignalWithStartWorkflowExecution.</summary>
    public async Task<SignalWithStartWorkflowExecutionResponse> SignalWithStartWorkflowExecution(
        SignalWithStartWorkflowExecutionRequest request, ServerCallContext context)
    {
        var start = new StartWorkflowExecutionRequest
        {
            Namespace = request.Namespace,
            WorkflowId = request.WorkflowId,
            WorkflowType = request.WorkflowType,
            TaskQueue = request.TaskQueue,
            Input = request.Input,
            WorkflowExecutionTimeout = request.WorkflowExecutionTimeout,
            WorkflowRunTimeout = request.WorkflowRunTimeout,
            WorkflowTaskTimeout = request.WorkflowTaskTimeout,
            WorkflowStartDelay = request.WorkflowStartDelay,
            Identity = request.Identity,
            RequestId = request.RequestId,
            WorkflowIdReusePolicy = request.WorkflowIdReusePolicy,
            WorkflowIdConflictPolicy = request.WorkflowIdConflictPolicy,
            RetryPolicy = request.RetryPolicy,
            CronSchedule = request.CronSchedule,
            Memo = request.Memo,
            SearchAttributes = request.SearchAttributes,
            Header = request.Header,
            UserMetadata = request.UserMetadata,
        };
        var run = ValidateStart(start);
        check.Required(request.SignalName, "SignalName");
        check.Blob(request.SignalInput, "SignalInput");
        var result = await engine.StartAsync(start, run, request.SignalInput, request.SignalName, request.Header,
            string.IsNullOrEmpty(request.RequestId) ? null : request.RequestId + "/signal").ConfigureAwait(false);
        return new SignalWithStartWorkflowExecutionResponse { RunId = result.RunId, Started = result.Started };
    }

    /// <summary>SignalWorkflowExecution.</summary>
    public async Task<SignalWorkflowExecutionResponse> SignalWorkflowExecution(
        SignalWorkflowExecutionRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowExecution?.WorkflowId, "WorkflowId");
        check.Required(request.SignalName, "SignalName");
        check.Blob(request.Input, "Input");
        await engine.SignalAsync(request).ConfigureAwait(false);
        return new SignalWorkflowExecutionResponse();
    }

    /// <summary>RequestCancelWorkflowExecution.</summary>
    public async Task<RequestCancelWorkflowExecutionResponse> RequestCancelWorkflowExecution(
        RequestCancelWorkflowExecutionRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowExecution?.WorkflowId, "WorkflowId");
        await engine.RequestCancelAsync(request).ConfigureAwait(false);
        return new RequestCancelWorkflowExecutionResponse();
    }

    /// <summary>TerminateWorkflowExecution.</summary>
    public async Task<TerminateWorkflowExecutionResponse> TerminateWorkflowExecution(
        TerminateWorkflowExecutionRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowExecution?.WorkflowId, "WorkflowId");
        check.Blob(request.Details, "Details");
        await engine.TerminateAsync(request).ConfigureAwait(false);
        return new TerminateWorkflowExecutionResponse();
    }

    /// <summary>PollWorkflowTaskQueue.</summary>
    public Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskQueue(
        PollWorkflowTaskQueueRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.TaskQueue?.Name, "TaskQueue");
        return SwallowCancel(engine.PollWorkflowTaskAsync(request, context.CancellationToken),
            () => new PollWorkflowTaskQueueResponse());
    }

    /// <summary>RespondWorkflowTaskCompleted.</summary>
    public Task<RespondWorkflowTaskCompletedResponse> RespondWorkflowTaskCompleted(
        RespondWorkflowTaskCompletedRequest request, ServerCallContext context)
    {
        foreach (var command in request.Commands)
        {
            check.Blob(command, "Command");
        }

        return engine.RespondWorkflowTaskCompletedAsync(request);
    }

    /// <summary>RespondWorkflowTaskFailed.</summary>
    public async Task<RespondWorkflowTaskFailedResponse> RespondWorkflowTaskFailed(
        RespondWorkflowTaskFailedRequest request, ServerCallContext context)
    {
        await engine.RespondWorkflowTaskFailedAsync(request).ConfigureAwait(false);
        return new RespondWorkflowTaskFailedResponse();
    }

    /// <summary>PollActivityTaskQueue.</summary>
    public Task<PollActivityTaskQueueResponse> PollActivityTaskQueue(
        PollActivityTaskQueueRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.TaskQueue?.Name, "TaskQueue");
        return SwallowCancel(engine.PollActivityTaskAsync(request, context.CancellationToken),
            () => new PollActivityTaskQueueResponse());
    }

    /// <summary>PollNexusTaskQueue: this server runs no Nexus operations, so polls end empty.</summary>
    public async Task<PollNexusTaskQueueResponse> PollNexusTaskQueue(
        PollNexusTaskQueueRequest request, ServerCallContext context)
    {
        try
        {
            await Task.Delay(engine.Limits.LongPollTimeout, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        return new PollNexusTaskQueueResponse();
    }

    /// <summary>RecordActivityTaskHeartbeat.</summary>
    public Task<RecordActivityTaskHeartbeatResponse> RecordActivityTaskHeartbeat(
        RecordActivityTaskHeartbeatRequest request, ServerCallContext context)
    {
        check.Blob(request.Details, "Details");
        return engine.HeartbeatAsync(request);
    }

    /// <summary>RecordActivityTaskHeartbeatById.</summary>
    public Task<RecordActivityTaskHeartbeatByIdResponse> RecordActivityTaskHeartbeatById(
        RecordActivityTaskHeartbeatByIdRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowId, "WorkflowId");
        check.Required(request.ActivityId, "ActivityId");
        check.Blob(request.Details, "Details");
        return engine.HeartbeatByIdAsync(request);
    }

    /// <summary>RespondActivityTaskCompleted.</summary>
    public async Task<RespondActivityTaskCompletedResponse> RespondActivityTaskCompleted(
        RespondActivityTaskCompletedRequest request, ServerCallContext context)
    {
        check.Blob(request.Result, "Result");
        await engine.CompleteActivityAsync(request).ConfigureAwait(false);
        return new RespondActivityTaskCompletedResponse();
    }

    /// <summary>RespondActivityTaskCompletedById.</summary>
    public async Task<RespondActivityTaskCompletedByIdResponse> RespondActivityTaskCompletedById(
        RespondActivityTaskCompletedByIdRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowId, "WorkflowId");
        check.Required(request.ActivityId, "ActivityId");
        check.Blob(request.Result, "Result");
        await engine.CompleteActivityByIdAsync(request).ConfigureAwait(false);
        return new RespondActivityTaskCompletedByIdResponse();
    }

    /// <summary>RespondActivityTaskFailed.</summary>
    public async Task<RespondActivityTaskFailedResponse> RespondActivityTaskFailed(
        RespondActivityTaskFailedRequest request, ServerCallContext context)
    {
        check.Blob(request.Failure, "Failure");
        await engine.FailActivityAsync(request).ConfigureAwait(false);
        return new RespondActivityTaskFailedResponse();
    }

    /// <summary>RespondActivityTaskFailedById.</summary>
    public async Task<RespondActivityTaskFailedByIdResponse> RespondActivityTaskFailedById(
        RespondActivityTaskFailedByIdRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowId, "WorkflowId");
        check.Required(request.ActivityId, "ActivityId");
        check.Blob(request.Failure, "Failure");
        await engine.FailActivityByIdAsync(request).ConfigureAwait(false);
        return new RespondActivityTaskFailedByIdResponse();
    }

    /// <summary>RespondActivityTaskCanceled.</summary>
    public async Task<RespondActivityTaskCanceledResponse> RespondActivityTaskCanceled(
        RespondActivityTaskCanceledRequest request, ServerCallContext context)
    {
        check.Blob(request.Details, "Details");
        await engine.CancelActivityAsync(request).ConfigureAwait(false);
        return new RespondActivityTaskCanceledResponse();
    }

    /// <summary>RespondActivityTaskCanceledById.</summary>
    public async Task<RespondActivityTaskCanceledByIdResponse> RespondActivityTaskCanceledById(
        RespondActivityTaskCanceledByIdRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.WorkflowId, "WorkflowId");
        check.Required(request.ActivityId, "ActivityId");
        await engine.CancelActivityByIdAsync(request).ConfigureAwait(false);
        return new RespondActivityTaskCanceledByIdResponse();
    }

    /// <summary>QueryWorkflow.</summary>
    public Task<QueryWorkflowResponse> QueryWorkflow(QueryWorkflowRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.Execution?.WorkflowId, "WorkflowId");
        check.Required(request.Query?.QueryType, "QueryType");
        return engine.QueryAsync(request, context.CancellationToken);
    }

    /// <summary>RespondQueryTaskCompleted.</summary>
    public async Task<RespondQueryTaskCompletedResponse> RespondQueryTaskCompleted(
        RespondQueryTaskCompletedRequest request, ServerCallContext context)
    {
        await engine.RespondQueryTaskCompletedAsync(request).ConfigureAwait(false);
        return new RespondQueryTaskCompletedResponse();
    }

    /// <summary>UpdateWorkflowExecution.</summary>
    public Task<UpdateWorkflowExecutionResponse> UpdateWorkflowExecution(
        UpdateWorkflowExecutionRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        ValidateUpdate(request);
        return engine.UpdateAsync(request, context.CancellationToken);
    }

    private void ValidateUpdate(UpdateWorkflowExecutionRequest request)
    {
        check.Required(request.WorkflowExecution?.WorkflowId, "WorkflowId");
        check.Required(request.Request?.Meta?.UpdateId, "UpdateId");
        check.Required(request.Request?.Input?.Name, "Update name");
        check.Blob(request.Request?.Input?.Args, "Update args");
        if (request.WaitPolicy?.LifecycleStage == UpdateWorkflowExecutionLifecycleStage.Admitted)
        {
            throw RpcErrors.InvalidArgument(
                "WaitPolicy.LifecycleStage ADMITTED is not supported; wait for ACCEPTED or COMPLETED.");
        }
    }

    /// <summary>
    /// ExecuteMultiOperation: exactly a start and then an update of the same workflow id (update-with-start), as
    /// Temporal allows it. An invalid operation fails the call as Temporal's MultiOperationExecution error, its own
    /// status next to the other's 'aborted'.
    /// </summary>
    public async Task<ExecuteMultiOperationResponse> ExecuteMultiOperation(
        ExecuteMultiOperationRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        if (request.Operations.Count != 2 || request.Operations[0].StartWorkflow is null
            || request.Operations[1].UpdateWorkflow is null)
        {
            throw RpcErrors.InvalidArgument("Operations have to be exactly [Start, Update].");
        }

        var start = request.Operations[0].StartWorkflow;
        var update = request.Operations[1].UpdateWorkflow;
        NewRun? run = null;
        var startError = MultiOperationCheck(() =>
        {
            if (!string.IsNullOrEmpty(start.Namespace) && start.Namespace != request.Namespace)
            {
                throw RpcErrors.InvalidArgument("Operation namespace mismatch with request namespace.");
            }

            start.Namespace = request.Namespace;
            run = ValidateStart(start);
            if (start.RequestEagerExecution)
            {
                throw RpcErrors.InvalidArgument("RequestEagerExecution is not supported.");
            }

            if (Nanos.Ms(start.WorkflowStartDelay) > 0)
            {
                throw RpcErrors.InvalidArgument("WorkflowStartDelay is not supported.");
            }
        });
        var updateError = MultiOperationCheck(() =>
        {
            if (!string.IsNullOrEmpty(update.Namespace) && update.Namespace != request.Namespace)
            {
                throw RpcErrors.InvalidArgument("Operation namespace mismatch with request namespace.");
            }

            update.Namespace = request.Namespace;
            ValidateUpdate(update);
            if (!string.IsNullOrEmpty(update.FirstExecutionRunId))
            {
                throw RpcErrors.InvalidArgument("FirstExecutionRunId is not supported.");
            }

            if (!string.IsNullOrEmpty(update.WorkflowExecution.RunId))
            {
                throw RpcErrors.InvalidArgument("RunId is not supported.");
            }

            if (startError is null && update.WorkflowExecution.WorkflowId != start.WorkflowId)
            {
                throw RpcErrors.InvalidArgument("WorkflowId is not consistent with previous operation(s).");
            }
        });
        if (startError is not null || updateError is not null)
        {
            throw RpcErrors.MultiOperation("Update-with-Start could not be executed.",
                startError ?? RpcErrors.MultiOperationAborted(), updateError ?? RpcErrors.MultiOperationAborted());
        }

        var (started, updated) = await engine.UpdateWithStartAsync(start, run!, update, context.CancellationToken)
            .ConfigureAwait(false);
        var response = new ExecuteMultiOperationResponse();
        response.Responses.Add(new ExecuteMultiOperationResponse.Types.Response
        {
            StartWorkflow = new StartWorkflowExecutionResponse
            {
                RunId = started.RunId, Started = started.Started, Status = WorkflowExecutionStatus.Running,
            },
        });
        response.Responses.Add(new ExecuteMultiOperationResponse.Types.Response { UpdateWorkflow = updated });
        return response;
    }

    private static RpcException? MultiOperationCheck(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    /// <summary>PollWorkflowExecutionUpdate.</summary>
    public Task<PollWorkflowExecutionUpdateResponse> PollWorkflowExecutionUpdate(
        PollWorkflowExecutionUpdateRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.UpdateRef?.WorkflowExecution?.WorkflowId, "WorkflowId");
        check.Required(request.UpdateRef?.UpdateId, "UpdateId");
        return engine.PollUpdateAsync(request, context.CancellationToken);
    }

    /// <summary>GetWorkflowExecutionHistory.</summary>
    public Task<GetWorkflowExecutionHistoryResponse> GetWorkflowExecutionHistory(
        GetWorkflowExecutionHistoryRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.Execution?.WorkflowId, "WorkflowId");
        return engine.GetHistoryAsync(request, context.CancellationToken);
    }

    /// <summary>GetWorkflowExecutionHistoryReverse.</summary>
    public Task<GetWorkflowExecutionHistoryReverseResponse> GetWorkflowExecutionHistoryReverse(
        GetWorkflowExecutionHistoryReverseRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.Execution?.WorkflowId, "WorkflowId");
        return Task.FromResult(engine.GetHistoryReverse(request));
    }

    /// <summary>DescribeWorkflowExecution.</summary>
    public Task<DescribeWorkflowExecutionResponse> DescribeWorkflowExecution(
        DescribeWorkflowExecutionRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.Execution?.WorkflowId, "WorkflowId");
        return Task.FromResult(engine.Describe(request));
    }

    /// <summary>ShutdownWorker: the worker's sticky queue is unloaded so its tasks go to the normal queue.</summary>
    public async Task<ShutdownWorkerResponse> ShutdownWorker(ShutdownWorkerRequest request, ServerCallContext context)
    {
        await engine.ShutdownWorkerAsync(request.Namespace, request.StickyTaskQueue).ConfigureAwait(false);
        return new ShutdownWorkerResponse();
    }

    /// <summary>ResetStickyTaskQueue.</summary>
    public Task<ResetStickyTaskQueueResponse> ResetStickyTaskQueue(
        ResetStickyTaskQueueRequest request, ServerCallContext context) =>
        Task.FromResult(new ResetStickyTaskQueueResponse());

    private async Task<T> SwallowCancel<T>(Task<T> poll, Func<T> empty)
    {
        try
        {
            return await poll.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogDebug("Poll cancelled by its caller");
            return empty();
        }
    }
}
