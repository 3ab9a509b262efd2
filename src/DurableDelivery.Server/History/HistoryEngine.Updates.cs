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
        var stage = req.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified;
        if (stage == UpdateWorkflowExecutionLifecycleStage.Unspecified)
        {
            stage = UpdateWorkflowExecutionLifecycleStage.Completed;
        }

        var id = req.Request.Meta.UpdateId;
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

            if (run.S.Updates.ContainsKey(id))
            {
                return (run, (PendingUpdate?)null);
            }

            if (!run.IsOpen)
            {
                throw RpcErrors.NotFound("workflow execution already completed");
            }

            var existing = run.AdmittedUpdates.Concat(run.DeliveredUpdates).FirstOrDefault(u => u.Id == id);
            if (existing is not null)
            {
                return (run, existing);
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

            return (run, update);
        }).ConfigureAwait(false);

        var reference = new UpdateRef
        {
            WorkflowExecution = new WorkflowExecution { WorkflowId = run.S.WorkflowId, RunId = run.S.RunId },
            UpdateId = id,
        };
        var (reached, outcome) = await WaitForUpdateAsync(run, pending, id, stage, ct).ConfigureAwait(false);
        return new UpdateWorkflowExecutionResponse { UpdateRef = reference, Stage = reached, Outcome = outcome };
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
                            return (UpdateWorkflowExecutionLifecycleStage.Completed, Outcome.Parser.ParseFrom(state.Outcome));
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
