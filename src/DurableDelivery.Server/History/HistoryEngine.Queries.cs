using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.Matching;
using DurableDelivery.Server.Time;
using Google.Protobuf;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.ErrorDetails.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>
/// Queries, as legacy query tasks: a query waits until the run has no workflow task in flight, then goes to the
/// sticky queue (worker alive) or the normal one, also on closed runs. As in Temporal's history service, a sticky
/// worker that has not answered within the sticky schedule-to-start timeout is taken for gone: the run's stickiness is
/// reset and the query goes to the normal queue (a worker SIGKILLed a moment ago still counts as a recent poller).
/// </content>
internal sealed partial class HistoryEngine
{
    /// <summary>QueryWorkflow.</summary>
    public async Task<QueryWorkflowResponse> QueryAsync(QueryWorkflowRequest req, CancellationToken ct)
    {
        PendingQuery pending;
        Run run;
        var m = new Mutation();
        lock (gate)
        {
            run = FindRun(req.Namespace, req.Execution?.WorkflowId ?? "", req.Execution?.RunId)
                ?? throw RpcErrors.NotFound(
                    $"workflow execution not found for workflow ID \"{req.Execution?.WorkflowId}\" and run ID "
                    + $"\"{req.Execution?.RunId}\"");
            var status = (WorkflowExecutionStatus)run.S.Status;
            if (!run.IsOpen && req.QueryRejectCondition != QueryRejectCondition.None
                && req.QueryRejectCondition != QueryRejectCondition.Unspecified
                && (req.QueryRejectCondition == QueryRejectCondition.NotOpen
                    || status != WorkflowExecutionStatus.Completed))
            {
                return new QueryWorkflowResponse
                {
                    QueryRejected = new QueryRejected { Status = status },
                };
            }

            if (!run.IsOpen && run.S.CompletedWorkflowTasks == 0)
            {
                throw RpcErrors.Create(global::Grpc.Core.StatusCode.FailedPrecondition,
                    "Workflow closed before task started.", new WorkflowNotReadyFailure());
            }

            if (run.IsOpen && run.S.Wft is { Attempt: >= 3 })
            {
                // As Temporal: while a workflow task keeps failing, a query would only wait for it; fail at once.
                throw RpcErrors.Create(global::Grpc.Core.StatusCode.FailedPrecondition,
                    "Unable to query workflow due to Workflow Task in failed state.", new WorkflowNotReadyFailure());
            }

            if (!runs.ContainsKey(run.S.RunId))
            {
                runs[run.S.RunId] = run;
            }

            pending = new PendingQuery(Guid.NewGuid().ToString(), req.Query);
            run.WaitingQueries.Add(pending);
            UpdateBusy(run);
            DispatchWaitingQueries(m, run);
        }

        Apply(m);
        try
        {
            if (pending.Sticky)
            {
                var stickyWait = TimeSpan.FromMilliseconds(Math.Max(run.S.StickyScheduleToStartMs, 1000));
                if (await Task.WhenAny(pending.Answer.Task, Task.Delay(stickyWait, ct)).ConfigureAwait(false) != pending.Answer.Task)
                {
                    ct.ThrowIfCancellationRequested();
                    FallBackFromSticky(run, pending);
                }
            }

            var answer = await pending.Answer.Task.WaitAsync(ct).ConfigureAwait(false);
            if (answer.CompletedType == QueryResultType.Answered)
            {
                return new QueryWorkflowResponse { QueryResult = answer.QueryResult };
            }

            throw RpcErrors.Create(global::Grpc.Core.StatusCode.InvalidArgument, answer.ErrorMessage,
                new QueryFailedFailure { Failure = answer.Failure });
        }
        finally
        {
            lock (gate)
            {
                run.WaitingQueries.Remove(pending);
                UpdateBusy(run);
                if (!run.IsOpen && run.WaitingQueries.Count == 0)
                {
                    runs.Remove(run.S.RunId);
                }
            }

            if (Clock.TimeSkipping)
            {
                timers.Wake();
            }
        }
    }

    /// <summary>The sticky worker did not answer <paramref name="pending"/> in time: reset stickiness, send the query to the normal queue.</summary>
    private void FallBackFromSticky(Run run, PendingQuery pending)
    {
        var m = new Mutation();
        lock (gate)
        {
            if (pending.Answer.Task.IsCompleted || !run.WaitingQueries.Contains(pending))
            {
                return;
            }

            if (run.IsOpen && run.S.StickyQueue is not null && run.S.Wft is null)
            {
                // In memory; written with the run's next change (a query itself writes nothing).
                run.S.StickyQueue = null;
            }

            // A query task still queued on the sticky queue is dropped when taken (the query is answered by then) or
            // answered by whichever worker takes it first.
            var s = run.S;
            pending.Sticky = false;
            var task = new QueryTaskRef(s.RunId, pending.Id);
            m.Then(() => matching.Offer(new QueueKey(s.Namespace, s.TaskQueue, false), task));
        }

        Apply(m);
    }

    /// <summary>Sends waiting queries as query tasks when no workflow task is in flight.</summary>
    private void DispatchWaitingQueries(Mutation m, Run run)
    {
        if (run.S.Wft is not null)
        {
            return;
        }

        foreach (var query in run.WaitingQueries.Where(q => !q.Dispatched))
        {
            query.Dispatched = true;
            var s = run.S;
            var sticky = s.StickyQueue is not null
                && matching.HasRecentPoller(new QueueKey(s.Namespace, s.StickyQueue, false), limits.StickyPollerWindow);
            var key = new QueueKey(s.Namespace, sticky ? s.StickyQueue! : s.TaskQueue, false);
            query.Sticky = sticky;
            var task = new QueryTaskRef(s.RunId, query.Id);
            m.Then(() => matching.Offer(key, task));
        }
    }

    private PollWorkflowTaskQueueResponse? TryStartQueryTask(QueryTaskRef task, TaskQueueKind kind)
    {
        lock (gate)
        {
            if (!runs.TryGetValue(task.RunId, out var run))
            {
                return null;
            }

            var query = run.WaitingQueries.FirstOrDefault(q => q.Id == task.QueryId);
            if (query is null || query.Answer.Task.IsCompleted)
            {
                return null;
            }

            var s = run.S;
            var response = new PollWorkflowTaskQueueResponse
            {
                TaskToken = ByteString.CopyFrom(
                    new TaskToken(TaskToken.QueryTask, s.Namespace, s.RunId, 0, 1, query.Id).ToBytes()),
                WorkflowExecution = ExecutionOf(s),
                WorkflowType = new Temporalio.Api.Common.V1.WorkflowType { Name = s.WorkflowType },
                PreviousStartedEventId = s.PreviousStartedEventId,
                StartedEventId = 0,
                Attempt = 1,
                Query = query.Query,
                WorkflowExecutionTaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue
                {
                    Name = s.TaskQueue, Kind = TaskQueueKind.Normal,
                },
                ScheduledTime = Nanos.ToTimestamp(Now),
                StartedTime = Nanos.ToTimestamp(Now),
                History = new Temporalio.Api.History.V1.History(),
            };
            var from = kind == TaskQueueKind.Sticky && run.IsOpen ? s.PreviousStartedEventId + 1 : 1;
            for (var id = from; id <= run.CommittedEvents; id++)
            {
                response.History.Events.Add(run.Events[(int)id - 1]);
            }

            return response;
        }
    }

    /// <summary>RespondQueryTaskCompleted.</summary>
    public Task RespondQueryTaskCompletedAsync(RespondQueryTaskCompletedRequest req)
    {
        var token = TaskToken.Parse(req.TaskToken.Span);
        if (token is null || token.Kind != TaskToken.QueryTask)
        {
            throw RpcErrors.InvalidArgument("TaskToken is not a query task token of this server.");
        }

        lock (gate)
        {
            var query = runs.TryGetValue(token.RunId, out var run)
                ? run.WaitingQueries.FirstOrDefault(q => q.Id == token.Extra) : null;
            if (query is null)
            {
                throw RpcErrors.NotFound("query task not found, or already expired.");
            }

            query.Answer.TrySetResult(req);
        }

        return Task.CompletedTask;
    }
}
