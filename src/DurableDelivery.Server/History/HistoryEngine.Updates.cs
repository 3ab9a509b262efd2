using DurableDelivery.Server.Grpc;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>
/// Updates: admitted in memory, delivered to a workflow task (a speculative one when none is pending), accepted or
/// completed as events, rejected without a trace; deduplicated by update id.
/// </content>
internal sealed partial class HistoryEngine
{
    /// <summary>UpdateWorkflowExecution.</summary>
    public async Task<UpdateWorkflowExecutionResponse> UpdateAsync(
        UpdateWorkflowExecutionRequest req, CancellationToken ct)
    {
        var (run, pending) = await MutateAsync(m =>
        {
            var run = FindRun(req.Namespace, req.WorkflowExecution.WorkflowId, req.WorkflowExecution.RunId)
                ?? throw RpcErrors.NotFound(
                    $"workflow execution not found for workflow ID \"{req.WorkflowExecution.WorkflowId}\" and run ID "
                    + $"\"{req.WorkflowExecution.RunId}\"");
            if (!string.IsNullOrEmpty(req.FirstExecutionRunId) && run.S.FirstRunId != req.FirstExecutionRunId)
            {
                throw RpcErrors.NotFound("workflow execution not found for the given first execution run id");
            }

            return (run, AdmitUpdate(m, run, req));
        }).ConfigureAwait(false);
        return await UpdateResponseAsync(run, pending, req, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Admits an update to a run, or finds it if the run knows its id already (then null when it was accepted).
    /// Throws before changing anything when the run is closed or at an update limit.
    /// </summary>
    private PendingUpdate? AdmitUpdate(Mutation m, Run run, UpdateWorkflowExecutionRequest req)
    {
        var id = req.Request.Meta.UpdateId;
        if (run.S.Updates.ContainsKey(id))
        {
            return null;
        }

        if (!run.IsOpen)
        {
            throw RpcErrors.NotFound("workflow execution already completed");
        }

        var existing = run.AdmittedUpdates.Concat(run.DeliveredUpdates).FirstOrDefault(u => u.Id == id);
        if (existing is not null)
        {
            return existing;
        }

        if (run.AdmittedUpdates.Count + run.DeliveredUpdates.Count >= limits.MaxUpdatesInFlight)
        {
            throw RpcErrors.ResourceExhausted(
                $"the workflow has {limits.MaxUpdatesInFlight} updates in flight, the most allowed; retry later");
        }

        if (run.S.Updates.Count >= limits.MaxUpdatesPerRun)
        {
            throw RpcErrors.FailedPrecondition(
                $"the run has had {limits.MaxUpdatesPerRun} updates, the most allowed; continue as new");
        }

        var update = new PendingUpdate(req.Request);
        run.AdmittedUpdates.Add(update);
        if (run.S.Wft is null)
        {
            ScheduleWorkflowTask(m, run, 1, transient: true, speculative: true);
        }

        return update;
    }

    /// <summary>Whether a run has heard of an update id (admitted, delivered, accepted or completed).</summary>
    private static bool KnowsUpdate(Run run, string id) => run.S.Updates.ContainsKey(id)
        || run.AdmittedUpdates.Concat(run.DeliveredUpdates).Any(u => u.Id == id);

    /// <summary>Waits for the stage the request asks for (or the soft timeout) and builds the answer.</summary>
    private async Task<UpdateWorkflowExecutionResponse> UpdateResponseAsync(
        Run run, PendingUpdate? pending, UpdateWorkflowExecutionRequest req, CancellationToken ct)
    {
        var stage = req.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified;
        if (stage == UpdateWorkflowExecutionLifecycleStage.Unspecified)
        {
            stage = UpdateWorkflowExecutionLifecycleStage.Completed;
        }

        var id = req.Request.Meta.UpdateId;
        var reference = new UpdateRef
        {
            WorkflowExecution = new WorkflowExecution { WorkflowId = run.S.WorkflowId, RunId = run.S.RunId },
            UpdateId = id,
        };
        var (reached, outcome) = await WaitForUpdateAsync(run, pending, id, stage, ct).ConfigureAwait(false);
        return new UpdateWorkflowExecutionResponse { UpdateRef = reference, Stage = reached, Outcome = outcome };
    }

    /// <summary>
    /// ExecuteMultiOperation with a start and an update (update-with-start), as Temporal's multioperation API: one
    /// operation under the lock. A running workflow gets the update when the start would be deduplicated, already
    /// knows the update id, or the conflict policy is USE_EXISTING; an update id whose outcome the current run holds
    /// gets that outcome; otherwise the start runs (its id policies apply) and the update rides on the new run's first
    /// workflow task. Errors are Temporal's MultiOperationExecution: the failing operation's status, the other aborted.
    /// </summary>
    public async Task<(StartResult Start, UpdateWorkflowExecutionResponse Update)> UpdateWithStartAsync(
        StartWorkflowExecutionRequest startReq, NewRun newRun, UpdateWorkflowExecutionRequest updateReq,
        CancellationToken ct)
    {
        var id = updateReq.Request.Meta.UpdateId;
        var (run, started, pending) = await MutateAsync(m =>
        {
            var existing = current.TryGetValue((newRun.Namespace, newRun.WorkflowId), out var currentRunId)
                ? FindRunById(currentRunId) : null;
            if (existing is not null && (existing.S.Updates.ContainsKey(id) || (existing.IsOpen
                && (existing.S.StartRequestId == newRun.RequestId || KnowsUpdate(existing, id)
                    || startReq.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.UseExisting))))
            {
                try
                {
                    return (existing, false, AdmitUpdate(m, existing, updateReq));
                }
                catch (global::Grpc.Core.RpcException e)
                {
                    throw MultiOperationError(RpcErrors.MultiOperationAborted(), e);
                }
            }

            StartResult result;
            try
            {
                result = Start(m, newRun, startReq.WorkflowIdReusePolicy, startReq.WorkflowIdConflictPolicy,
                    null, null, null, null, startReq.Identity);
            }
            catch (global::Grpc.Core.RpcException e)
            {
                throw MultiOperationError(e, RpcErrors.MultiOperationAborted());
            }

            // A new run: nothing can refuse the update, and it is delivered with the first workflow task.
            var run = runs[result.RunId];
            return (run, result.Started, AdmitUpdate(m, run, updateReq));
        }).ConfigureAwait(false);

        try
        {
            var update = await UpdateResponseAsync(run, pending, updateReq, ct).ConfigureAwait(false);
            return (new StartResult(run.S.RunId, started), update);
        }
        catch (global::Grpc.Core.RpcException e)
        {
            throw MultiOperationError(null, e);
        }
    }

    private static global::Grpc.Core.RpcException MultiOperationError(
        global::Grpc.Core.RpcException? start, global::Grpc.Core.RpcException? update)
    {
        var failed = start is not null && start.StatusCode != global::Grpc.Core.StatusCode.Aborted
            ? $"Start failed: {start.Status.Detail}" : $"Update failed: {update?.Status.Detail}";
        return RpcErrors.MultiOperation($"Update-with-Start could not be executed. {failed}", start, update);
    }

    /// <summary>PollWorkflowExecutionUpdate.</summary>
    public async Task<PollWorkflowExecutionUpdateResponse> PollUpdateAsync(
        PollWorkflowExecutionUpdateRequest req, CancellationToken ct)
    {
        var stage = req.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified;
        var id = req.UpdateRef?.UpdateId ?? "";
        Run run;
        PendingUpdate? pending;
        lock (gate)
        {
            var execution = req.UpdateRef?.WorkflowExecution;
            run = FindRun(req.Namespace, execution?.WorkflowId ?? "", execution?.RunId)
                ?? throw RpcErrors.NotFound("workflow execution not found");
            pending = run.AdmittedUpdates.Concat(run.DeliveredUpdates).FirstOrDefault(u => u.Id == id);
            if (pending is null && !run.S.Updates.ContainsKey(id))
            {
                throw RpcErrors.NotFound($"update {id} not found");
            }
        }

        var (reached, outcome) = await WaitForUpdateAsync(run, pending, id, stage, ct).ConfigureAwait(false);
        return new PollWorkflowExecutionUpdateResponse
        {
            Stage = reached,
            Outcome = outcome,
            UpdateRef = new UpdateRef
            {
                WorkflowExecution = new WorkflowExecution { WorkflowId = run.S.WorkflowId, RunId = run.S.RunId },
                UpdateId = id,
            },
        };
    }

    private async Task<(UpdateWorkflowExecutionLifecycleStage Stage, Outcome? Outcome)> WaitForUpdateAsync(
        Run run, PendingUpdate? pending, string id, UpdateWorkflowExecutionLifecycleStage stage, CancellationToken ct)
    {
        using var soft = CancellationTokenSource.CreateLinkedTokenSource(ct);
        soft.CancelAfter(limits.HistoryLongPollTimeout);
        try
        {
            if (pending is not null)
            {
                var rejected = await pending.Resolved.Task.WaitAsync(soft.Token).ConfigureAwait(false);
                if (rejected is not null)
                {
                    return (UpdateWorkflowExecutionLifecycleStage.Completed, rejected);
                }
            }

            while (true)
            {
                Task changed;
                lock (gate)
                {
                    if (run.S.Updates.TryGetValue(id, out var state))
                    {
                        if (state.Outcome is not null)
                        {
                            return (UpdateWorkflowExecutionLifecycleStage.Completed,
                                Outcome.Parser.ParseFrom(state.Outcome));
                        }

                        if (stage <= UpdateWorkflowExecutionLifecycleStage.Accepted)
                        {
                            return (UpdateWorkflowExecutionLifecycleStage.Accepted, null);
                        }
                    }

                    var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (!run.UpdateWaiters.TryGetValue(id, out var list))
                    {
                        list = [];
                        run.UpdateWaiters[id] = list;
                    }

                    list.Add(waiter);
                    changed = waiter.Task;
                }

                await changed.WaitAsync(soft.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            lock (gate)
            {
                return run.S.Updates.ContainsKey(id)
                    ? (UpdateWorkflowExecutionLifecycleStage.Accepted, null)
                    : (UpdateWorkflowExecutionLifecycleStage.Admitted, null);
            }
        }
    }

    private void WakeUpdateWaiters(Mutation m, Run run, string id)
    {
        if (run.UpdateWaiters.Remove(id, out var list))
        {
            m.Then(() => list.ForEach(w => w.TrySetResult(true)));
        }
    }
}
