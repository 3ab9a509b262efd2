using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.Time;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>Starting runs and the outside inputs: signal, signal-with-start, cancel request, terminate.</content>
internal sealed partial class HistoryEngine
{
    /// <summary>Result of a start: the run id, whether the run is the request's (new, or this request's retry),
    /// whether this call created it, and its first workflow task when the start asked for it eagerly and got it.</summary>
    public readonly record struct StartResult(string RunId, bool Started, bool Created = false,
        PollWorkflowTaskQueueResponse? EagerTask = null);

    /// <summary>Workflow runs whose first workflow task went back in the start's response (eager workflow start).</summary>
    public long EagerWorkflowStarts { get; private set; }

    /// <summary>StartWorkflowExecution with Temporal's id reuse and conflict policies.</summary>
    public Task<StartResult> StartAsync(StartWorkflowExecutionRequest req, NewRun run, Payloads? signalInput = null,
        string? signalName = null, Header? signalHeader = null, string? signalRequestId = null) =>
        MutateAsync(m =>
        {
            var result = Start(m, run, req.WorkflowIdReusePolicy, req.WorkflowIdConflictPolicy,
                signalName, signalInput, signalHeader, signalRequestId, req.Identity);

            // Eager workflow start, as Temporal: only a run this request created, whose first task is due now (no start
            // delay), is started at once for the requesting client's own worker; its task, still offered to matching,
            // is dropped there as already started.
            if (req.RequestEagerExecution && signalName is null && result.Created
                && runs.TryGetValue(result.RunId, out var created)
                && created.S.Wft is { StartedEventId: 0, Transient: false, Sticky: false, Speculative: false } wft)
            {
                EagerWorkflowStarts++;
                return result with { EagerTask = StartWorkflowTask(m, created, wft, req.Identity, partial: false) };
            }

            return result;
        });

    private StartResult Start(Mutation m, NewRun request, WorkflowIdReusePolicy reuse,
        WorkflowIdConflictPolicy conflict,
        string? signalName, Payloads? signalInput, Header? signalHeader, string? signalRequestId, string identity)
    {
        var key = (request.Namespace, request.WorkflowId);
        if (current.TryGetValue(key, out var currentRunId))
        {
            var existing = FindRunById(currentRunId);
            if (existing is not null && existing.IsOpen)
            {
                if (existing.S.StartRequestId == request.RequestId && request.RequestId.Length > 0)
                {
                    return new StartResult(existing.S.RunId, true);
                }

                if (signalName is not null && conflict == WorkflowIdConflictPolicy.Unspecified)
                {
                    conflict = WorkflowIdConflictPolicy.UseExisting;
                }

                switch (conflict)
                {
                    case WorkflowIdConflictPolicy.UseExisting:
                        if (signalName is not null)
                        {
                            Signal(m, existing, signalName, signalInput, signalHeader, identity, signalRequestId, null);
                            EndFirstTaskBackoff(m, existing);
                        }

                        return new StartResult(existing.S.RunId, false);
                    case WorkflowIdConflictPolicy.TerminateExisting:
                        Terminate(m, existing, "Terminated by a start with the TerminateExisting conflict policy.",
                            null, identity);
                        break;
                    default:
                        if (reuse == WorkflowIdReusePolicy.TerminateIfRunning)
                        {
                            Terminate(m, existing, "Terminated by a start with the TerminateIfRunning reuse policy.",
                                null, identity);
                            break;
                        }

                        throw RpcErrors.AlreadyStarted(request.WorkflowId, existing.S.RunId, existing.S.StartRequestId);
                }
            }
            else if (existing is not null)
            {
                var status = (WorkflowExecutionStatus)existing.S.Status;
                switch (reuse)
                {
                    case WorkflowIdReusePolicy.RejectDuplicate:
                        throw RpcErrors.AlreadyStarted(request.WorkflowId, existing.S.RunId, existing.S.StartRequestId);
                    case WorkflowIdReusePolicy.AllowDuplicateFailedOnly
                        when status is WorkflowExecutionStatus.Completed:
                        throw RpcErrors.AlreadyStarted(request.WorkflowId, existing.S.RunId, existing.S.StartRequestId);
                }
            }
        }

        var run = CreateRun(m, request);
        if (signalName is not null)
        {
            Signal(m, run, signalName, signalInput, signalHeader, identity, signalRequestId, null);
        }

        ScheduleWorkflowTaskIfNeeded(m, run);
        return new StartResult(run.S.RunId, true, Created: true);
    }

    /// <summary>Creates a run: state, WorkflowExecutionStarted, timers, current pointer. No workflow task yet.
    /// </summary>
    private Run CreateRun(Mutation m, NewRun r)
    {
        var now = Now;
        var runId = r.RunId ?? Guid.CreateVersion7(Clock.Now).ToString();
        var executionTimeout = Math.Max(0, r.ExecutionTimeoutMs);
        var runTimeout = r.RunTimeoutMs <= 0 ? executionTimeout
            : executionTimeout > 0 ? Math.Min(r.RunTimeoutMs, executionTimeout) : r.RunTimeoutMs;
        var taskTimeout = r.TaskTimeoutMs <= 0 ? 10_000 : Math.Min(r.TaskTimeoutMs, 120_000);
        if (runTimeout > 0)
        {
            taskTimeout = Math.Min(taskTimeout, runTimeout);
        }

        var state = new RunState
        {
            Namespace = r.Namespace,
            WorkflowId = r.WorkflowId,
            RunId = runId,
            FirstRunId = r.FirstRunId ?? runId,
            WorkflowType = r.WorkflowType,
            TaskQueue = r.TaskQueue,
            StartTime = now,
            ExecutionTime = now + (r.BackoffMs * 1_000_000),
            RunTimeoutMs = runTimeout,
            ExecutionTimeoutMs = executionTimeout,
            TaskTimeoutMs = taskTimeout,
            Attempt = r.Attempt,
            StartRequestId = r.RequestId,
            ParentNamespace = r.ParentNamespace,
            ParentWorkflowId = r.ParentExecution?.WorkflowId,
            ParentRunId = r.ParentExecution?.RunId,
            ParentInitiatedEventId = r.ParentInitiatedEventId,
            RootWorkflowId = r.Root?.WorkflowId ?? r.WorkflowId,
            RootRunId = r.Root?.RunId ?? runId,
            RetryPolicy = r.RetryPolicy?.ToByteArray(),
            CronSchedule = string.IsNullOrEmpty(r.CronSchedule) ? null : r.CronSchedule,
        };
        if (r.SearchAttributes is not null)
        {
            foreach (var (k, v) in r.SearchAttributes.IndexedFields)
            {
                if (!SearchAttributeJson.IsUnset(v))
                {
                    state.SearchAttributes[k] = v.ToByteArray();
                }
            }
        }

        if (r.Memo is not null)
        {
            foreach (var (k, v) in r.Memo.Fields)
            {
                state.Memo[k] = v.ToByteArray();
            }
        }

        if (runTimeout > 0)
        {
            state.RunExpiry = now + (r.BackoffMs * 1_000_000) + (runTimeout * 1_000_000);
        }

        state.ExecutionExpiry = r.ExecutionExpiry
            ?? (executionTimeout > 0 ? now + (r.BackoffMs * 1_000_000) + (executionTimeout * 1_000_000) : null);
        if (r.BackoffMs > 0)
        {
            state.FirstTaskBackoffUntil = now + (r.BackoffMs * 1_000_000);
        }

        var run = new Run(state, []);
        runs[runId] = run;
        current[(r.Namespace, r.WorkflowId)] = runId;
        m.Batch.CurrentRuns.Add((r.Namespace, r.WorkflowId, runId));
        AddEvent(m, run, EventType.WorkflowExecutionStarted, e =>
        {
            // The run's start time, from which its timeouts and backoff count, is the started event's time.
            e.EventTime = Nanos.ToTimestamp(now);
            var a = new WorkflowExecutionStartedEventAttributes
            {
                WorkflowType = new WorkflowType { Name = r.WorkflowType },
                TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue
                {
                    Name = r.TaskQueue, Kind = TaskQueueKind.Normal,
                },
                Input = r.Input,
                WorkflowExecutionTimeout = executionTimeout > 0 ? Nanos.ToDuration(executionTimeout) : null,
                WorkflowRunTimeout = runTimeout > 0 ? Nanos.ToDuration(runTimeout) : null,
                WorkflowTaskTimeout = Nanos.ToDuration(taskTimeout),
                Identity = r.Identity,
                Attempt = r.Attempt,
                OriginalExecutionRunId = runId,
                FirstExecutionRunId = state.FirstRunId,
                RetryPolicy = r.RetryPolicy,
                CronSchedule = r.CronSchedule,
                Memo = r.Memo,
                SearchAttributes = r.SearchAttributes,
                Header = r.Header,
                WorkflowId = r.WorkflowId,
                Initiator = r.Initiator,
                LastCompletionResult = r.LastCompletionResult,
                ContinuedFailure = r.ContinuedFailure,
                ContinuedExecutionRunId = r.ContinuedFromRunId ?? "",
                RootWorkflowExecution = new WorkflowExecution
                {
                    WorkflowId = state.RootWorkflowId, RunId = state.RootRunId,
                },
            };
            if (state.ExecutionExpiry is { } expiry)
            {
                a.WorkflowExecutionExpirationTime = Nanos.ToTimestamp(expiry);
            }

            if (r.BackoffMs > 0)
            {
                a.FirstWorkflowTaskBackoff = Nanos.ToDuration(r.BackoffMs);
            }

            if (r.ParentExecution is not null)
            {
                a.ParentWorkflowNamespace = r.ParentNamespace ?? r.Namespace;
                a.ParentWorkflowNamespaceId = Namespaces.Find(a.ParentWorkflowNamespace)?.Id ?? "";
                a.ParentWorkflowExecution = r.ParentExecution;
                a.ParentInitiatedEventId = r.ParentInitiatedEventId;
            }

            e.WorkflowExecutionStartedEventAttributes = a;
            if (r.UserMetadata is not null)
            {
                e.UserMetadata = r.UserMetadata;
            }
        });

        if (state.RunExpiry is { } runExpiry)
        {
            AddTimer(run, Time.TimerKind.RunTimeout, 0, 0, null, runExpiry);
        }

        if (state.ExecutionExpiry is { } executionExpiry)
        {
            AddTimer(run, Time.TimerKind.ExecutionTimeout, 0, 0, null, executionExpiry);
        }

        if (state.FirstTaskBackoffUntil is { } backoff)
        {
            AddTimer(run, Time.TimerKind.FirstTaskBackoff, 0, 0, null, backoff);
        }

        return run;
    }

    /// <summary>SignalWorkflowExecution.</summary>
    public Task SignalAsync(SignalWorkflowExecutionRequest req) => MutateAsync(m =>
    {
        var run = OpenRunOrThrow(req.Namespace, req.WorkflowExecution);
        Signal(m, run, req.SignalName, req.Input, req.Header, req.Identity, req.RequestId, null);
    });

    private Run OpenRunOrThrow(string ns, WorkflowExecution? execution)
    {
        var run = FindRun(ns, execution?.WorkflowId ?? "", execution?.RunId)
            ?? throw RpcErrors.NotFound(
                $"workflow execution not found for workflow ID \"{execution?.WorkflowId}\" and run ID "
                + $"\"{execution?.RunId}\"");
        if (!run.IsOpen)
        {
            throw RpcErrors.NotFound("workflow execution already completed");
        }

        return run;
    }

    private void Signal(Mutation m, Run run, string name, Payloads? input, Header? header, string identity,
        string? requestId, WorkflowExecution? external)
    {
        if (!string.IsNullOrEmpty(requestId) && !run.S.SignalRequestIds.Add(requestId))
        {
            return;
        }

        if (run.S.SignalCount >= limits.MaxSignalsPerRun)
        {
            throw RpcErrors.InvalidArgument(
                $"the run has had {limits.MaxSignalsPerRun} signals, the most a run may receive; continue as new");
        }

        run.S.SignalCount++;
        AddExternalEvent(m, run, EventType.WorkflowExecutionSignaled, e =>
            e.WorkflowExecutionSignaledEventAttributes = new WorkflowExecutionSignaledEventAttributes
            {
                SignalName = name,
                Input = input,
                Identity = identity,
                Header = header,
                ExternalWorkflowExecution = external,
            });
    }

    /// <summary>RequestCancelWorkflowExecution; on a closed run a successful no-op, as in Temporal.</summary>
    public Task RequestCancelAsync(RequestCancelWorkflowExecutionRequest req) => MutateAsync(m =>
    {
        var execution = req.WorkflowExecution;
        var run = FindRun(req.Namespace, execution?.WorkflowId ?? "", execution?.RunId)
            ?? throw RpcErrors.NotFound(
                $"workflow execution not found for workflow ID \"{execution?.WorkflowId}\" and run ID "
                + $"\"{execution?.RunId}\"");
        if (!run.IsOpen)
        {
            return;
        }

        if (!string.IsNullOrEmpty(req.FirstExecutionRunId) && run.S.FirstRunId != req.FirstExecutionRunId)
        {
            throw RpcErrors.NotFound("workflow execution not found for the given first execution run id");
        }

        RequestCancel(m, run, req.Reason, req.Identity, null, 0);
    });

    private void RequestCancel(Mutation m, Run run, string cause, string identity, WorkflowExecution? external,
        long externalInitiatedEventId)
    {
        if (run.S.CancelRequested)
        {
            return;
        }

        run.S.CancelRequested = true;
        AddExternalEvent(m, run, EventType.WorkflowExecutionCancelRequested, e =>
            e.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
            {
                Cause = cause ?? "",
                Identity = identity,
                ExternalWorkflowExecution = external,
                ExternalInitiatedEventId = externalInitiatedEventId,
            });
        EndFirstTaskBackoff(m, run);
    }

    /// <summary>TerminateWorkflowExecution.</summary>
    public Task TerminateAsync(TerminateWorkflowExecutionRequest req) => MutateAsync(m =>
    {
        var run = OpenRunOrThrow(req.Namespace, req.WorkflowExecution);
        if (!string.IsNullOrEmpty(req.FirstExecutionRunId) && run.S.FirstRunId != req.FirstExecutionRunId)
        {
            throw RpcErrors.NotFound("workflow execution not found for the given first execution run id");
        }

        Terminate(m, run, req.Reason, req.Details, req.Identity);
    });

    private void Terminate(Mutation m, Run run, string reason, Payloads? details, string identity)
    {
        ForceCloseWorkflowTask(m, run);
        AddEvent(m, run, EventType.WorkflowExecutionTerminated, e =>
            e.WorkflowExecutionTerminatedEventAttributes = new WorkflowExecutionTerminatedEventAttributes
            {
                Reason = reason ?? "",
                Details = details,
                Identity = identity,
            });
        Close(m, run, WorkflowExecutionStatus.Terminated);
    }

    /// <summary>A started workflow task is failed with FORCE_CLOSE_COMMAND and the buffer written, before a close.
    /// </summary>
    private void ForceCloseWorkflowTask(Mutation m, Run run)
    {
        var wft = run.S.Wft;
        if (wft is { StartedEventId: > 0 })
        {
            if (wft.Transient)
            {
                PersistTransient(m, run, wft);
            }

            AddEvent(m, run, EventType.WorkflowTaskFailed, e =>
                e.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
                {
                    ScheduledEventId = wft.ScheduledEventId,
                    StartedEventId = wft.StartedEventId,
                    Cause = WorkflowTaskFailedCause.ForceCloseCommand,
                    Identity = "history-service",
                });
        }

        run.S.Wft = null;
        FlushBuffer(m, run);
    }
}
