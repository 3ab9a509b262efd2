using System.Globalization;
using System.Text;
using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.Time;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.History;

/// <content>Reads: history pages (with long polls), describe.</content>
internal sealed partial class HistoryEngine
{
    private int waitingHistoryPolls;

    /// <summary>History long polls waiting for a new event now (the clients' GetResultAsync calls).</summary>
    public int WaitingHistoryPolls => Volatile.Read(ref waitingHistoryPolls);

    /// <summary>GetWorkflowExecutionHistory: pages, long poll for new events, the close-event filter.</summary>
    public async Task<GetWorkflowExecutionHistoryResponse> GetHistoryAsync(
        GetWorkflowExecutionHistoryRequest req, CancellationToken ct)
    {
        var pageSize = req.MaximumPageSize > 0 ? Math.Min(req.MaximumPageSize, 10_000) : 256;
        string? runId = req.Execution?.RunId;
        long from = 1;
        if (!req.NextPageToken.IsEmpty)
        {
            var parts = req.NextPageToken.ToStringUtf8().Split('|');
            if (parts.Length != 2 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out from))
            {
                throw RpcErrors.InvalidArgument("NextPageToken is not a history page token of this server.");
            }

            runId = parts[0];
        }

        var closeOnly = req.HistoryEventFilterType == HistoryEventFilterType.CloseEvent;
        var deadline = DateTimeOffset.UtcNow + limits.HistoryLongPollTimeout;
        while (true)
        {
            Task changed;
            lock (gate)
            {
                var run = FindRun(req.Namespace, req.Execution?.WorkflowId ?? "", runId)
                    ?? throw RpcErrors.NotFound(
                        $"workflow execution not found for workflow ID \"{req.Execution?.WorkflowId}\" and run ID "
                        + $"\"{runId}\"");
                runId = run.S.RunId;
                var response = new GetWorkflowExecutionHistoryResponse
                {
                    History = new Temporalio.Api.History.V1.History(),
                };
                var committed = run.CommittedEvents;
                var closed = !run.IsOpen && committed >= run.S.CloseEventId;
                if (closeOnly)
                {
                    if (closed)
                    {
                        response.History.Events.Add(run.Events[(int)run.S.CloseEventId - 1]);
                        return response;
                    }

                    if (!req.WaitNewEvent)
                    {
                        // Temporal: a running run without a long poll has no close event and no token.
                        return response;
                    }
                }
                else if (from <= committed)
                {
                    var to = Math.Min(committed, from + pageSize - 1);
                    for (var id = from; id <= to; id++)
                    {
                        response.History.Events.Add(run.Events[(int)id - 1]);
                    }

                    // The last page of a running run carries a token only for long polls (more events will come);
                    // without one, readers that page until no token is left would never stop.
                    if (to < committed || (!closed && req.WaitNewEvent))
                    {
                        response.NextPageToken = Token(runId, to + 1);
                    }

                    return response;
                }
                else if (closed)
                {
                    return response;
                }

                if (!req.WaitNewEvent || DateTimeOffset.UtcNow >= deadline)
                {
                    response.NextPageToken = Token(runId, from);
                    return response;
                }

                changed = run.Changed.Task;
                if (!runs.ContainsKey(runId))
                {
                    // A closed run read from the store never changes again.
                    return response;
                }
            }

            var left = deadline - DateTimeOffset.UtcNow;
            Interlocked.Increment(ref waitingHistoryPolls);
            try
            {
                await changed.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref waitingHistoryPolls);
            }
        }
    }

    private static ByteString Token(string runId, long next) =>
        ByteString.CopyFrom(Encoding.UTF8.GetBytes($"{runId}|{next.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>GetWorkflowExecutionHistoryReverse: newest first.</summary>
    public GetWorkflowExecutionHistoryReverseResponse GetHistoryReverse(GetWorkflowExecutionHistoryReverseRequest req)
    {
        var pageSize = req.MaximumPageSize > 0 ? Math.Min(req.MaximumPageSize, 10_000) : 256;
        lock (gate)
        {
            string? runId = req.Execution?.RunId;
            long to = long.MaxValue;
            if (!req.NextPageToken.IsEmpty)
            {
                var parts = req.NextPageToken.ToStringUtf8().Split('|');
                if (parts.Length != 2 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out to))
                {
                    throw RpcErrors.InvalidArgument("NextPageToken is not a history page token of this server.");
                }

                runId = parts[0];
            }

            var run = FindRun(req.Namespace, req.Execution?.WorkflowId ?? "", runId)
                ?? throw RpcErrors.NotFound("workflow execution not found");
            to = Math.Min(to, run.CommittedEvents);
            var response = new GetWorkflowExecutionHistoryReverseResponse
            {
                History = new Temporalio.Api.History.V1.History(),
            };
            var from = Math.Max(1, to - pageSize + 1);
            for (var id = to; id >= from; id--)
            {
                response.History.Events.Add(run.Events[(int)id - 1]);
            }

            if (from > 1)
            {
                response.NextPageToken = Token(run.S.RunId, from - 1);
            }

            return response;
        }
    }

    /// <summary>DescribeWorkflowExecution.</summary>
    public DescribeWorkflowExecutionResponse Describe(DescribeWorkflowExecutionRequest req)
    {
        lock (gate)
        {
            var run = FindRun(req.Namespace, req.Execution?.WorkflowId ?? "", req.Execution?.RunId)
                ?? throw RpcErrors.NotFound(
                    $"workflow execution not found for workflow ID \"{req.Execution?.WorkflowId}\" and run ID "
                    + $"\"{req.Execution?.RunId}\"");
            var s = run.S;
            var started = run.Events[0].WorkflowExecutionStartedEventAttributes;
            var response = new DescribeWorkflowExecutionResponse
            {
                ExecutionConfig = new WorkflowExecutionConfig
                {
                    TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue
                    {
                        Name = s.TaskQueue, Kind = TaskQueueKind.Normal,
                    },
                    WorkflowExecutionTimeout = started.WorkflowExecutionTimeout,
                    WorkflowRunTimeout = started.WorkflowRunTimeout,
                    DefaultWorkflowTaskTimeout = started.WorkflowTaskTimeout,
                    UserMetadata = run.Events[0].UserMetadata,
                },
                WorkflowExecutionInfo = ExecutionInfo(s),
            };
            foreach (var a in s.Activities.Values.OrderBy(a => a.ScheduledEventId))
            {
                var info = new PendingActivityInfo
                {
                    ActivityId = a.ActivityId,
                    ActivityType = new ActivityType { Name = a.ActivityType },
                    State = a.CancelRequested ? PendingActivityState.CancelRequested
                        : a.StartedTime is not null ? PendingActivityState.Started : PendingActivityState.Scheduled,
                    Attempt = a.Attempt,
                    MaximumAttempts = RetryPolicy.Parser.ParseFrom(a.RetryPolicy).MaximumAttempts,
                    ScheduledTime = Nanos.ToTimestamp(a.CurrentAttemptScheduledTime),
                    LastWorkerIdentity = a.StartedIdentity ?? a.LastWorkerIdentity ?? "",
                };
                if (a.StartedTime is { } st)
                {
                    info.LastStartedTime = Nanos.ToTimestamp(st);
                }

                if (a.LastHeartbeatTime is { } hb)
                {
                    info.LastHeartbeatTime = Nanos.ToTimestamp(hb);
                }

                if (a.HeartbeatDetails is not null)
                {
                    info.HeartbeatDetails = Payloads.Parser.ParseFrom(a.HeartbeatDetails);
                }

                if (a.LastFailure is not null)
                {
                    info.LastFailure = Temporalio.Api.Failure.V1.Failure.Parser.ParseFrom(a.LastFailure);
                }

                if (a.ScheduleToCloseMs > 0)
                {
                    info.ExpirationTime = Nanos.ToTimestamp(a.ScheduledTime + (a.ScheduleToCloseMs * 1_000_000));
                }

                response.PendingActivities.Add(info);
            }

            foreach (var c in s.Children.Values)
            {
                response.PendingChildren.Add(new PendingChildExecutionInfo
                {
                    WorkflowId = c.WorkflowId,
                    RunId = c.RunId ?? "",
                    WorkflowTypeName = c.WorkflowType,
                    InitiatedId = c.InitiatedEventId,
                    ParentClosePolicy = (ParentClosePolicy)c.ParentClosePolicy,
                });
            }

            if (s.Wft is { } wft)
            {
                response.PendingWorkflowTask = new PendingWorkflowTaskInfo
                {
                    State = wft.StartedEventId > 0 ? PendingWorkflowTaskState.Started
                        : PendingWorkflowTaskState.Scheduled,
                    ScheduledTime = Nanos.ToTimestamp(wft.ScheduledTime),
                    OriginalScheduledTime = Nanos.ToTimestamp(wft.ScheduledTime),
                    Attempt = wft.Attempt,
                };
                if (wft.StartedEventId > 0)
                {
                    response.PendingWorkflowTask.StartedTime = Nanos.ToTimestamp(wft.StartedTime);
                }
            }

            return response;
        }
    }

    /// <summary>The visibility record of a run, as List and Describe return it.</summary>
    public WorkflowExecutionInfo ExecutionInfo(RunState s)
    {
        var info = new WorkflowExecutionInfo
        {
            Execution = ExecutionOf(s),
            Type = new WorkflowType { Name = s.WorkflowType },
            StartTime = Nanos.ToTimestamp(s.StartTime),
            ExecutionTime = Nanos.ToTimestamp(s.ExecutionTime),
            Status = (WorkflowExecutionStatus)s.Status,
            HistoryLength = s.NextEventId - 1,
            HistorySizeBytes = s.HistorySize,
            TaskQueue = s.TaskQueue,
            FirstRunId = s.FirstRunId,
            StateTransitionCount = s.NextEventId - 1,
            RootExecution = new WorkflowExecution { WorkflowId = s.RootWorkflowId, RunId = s.RootRunId },
            Memo = new Memo(),
        };
        if (s.CloseTime is { } closed)
        {
            info.CloseTime = Nanos.ToTimestamp(closed);
            info.ExecutionDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(
                TimeSpan.FromTicks((closed - s.ExecutionTime) / 100));
        }

        if (s.ParentWorkflowId is not null)
        {
            info.ParentExecution = new WorkflowExecution { WorkflowId = s.ParentWorkflowId, RunId = s.ParentRunId };
            info.ParentNamespaceId = Namespaces.Find(s.ParentNamespace ?? s.Namespace)?.Id ?? "";
        }

        foreach (var (k, v) in s.Memo)
        {
            info.Memo.Fields[k] = Payload.Parser.ParseFrom(v);
        }

        var kinds = Namespaces.SearchAttributesOf(s.Namespace);
        info.SearchAttributes = SearchAttributeJson.ToProto(s.SearchAttributes,
            name => kinds.TryGetValue(name, out var k) ? KindName(k) : null);
        return info;
    }

    /// <summary>Temporal's name of an indexed value type, as SDKs expect in payload metadata.</summary>
    public static string KindName(IndexedValueType type) => type switch
    {
        IndexedValueType.Text => "Text",
        IndexedValueType.Keyword => "Keyword",
        IndexedValueType.Int => "Int",
        IndexedValueType.Double => "Double",
        IndexedValueType.Bool => "Bool",
        IndexedValueType.Datetime => "Datetime",
        IndexedValueType.KeywordList => "KeywordList",
        _ => "Keyword",
    };

    /// <summary>A run's state for visibility rows read back (List).</summary>
    public RunState? StateOf(string runId)
    {
        lock (gate)
        {
            if (runs.TryGetValue(runId, out var run))
            {
                return run.S;
            }
        }

        var row = store.ReadExecution(runId);
        return row is null
            ? null
            : System.Text.Json.JsonSerializer.Deserialize(row.Value.State, RunStateJson.Default.RunState);
    }

    /// <summary>Adds a namespace (RegisterNamespace); false when it exists.</summary>
    public async Task<bool> RegisterNamespaceAsync(string name, TimeSpan retention, string description)
    {
        return await MutateAsync(m =>
        {
            if (Namespaces.Find(name) is not null)
            {
                return false;
            }

            var entry = Namespaces.Register(name, retention, description);
            m.Batch.Namespaces.Add((entry.Name, entry.Id, entry.ToBytes()));
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>Registers custom search attributes (OperatorService.AddSearchAttributes).</summary>
    public Task AddSearchAttributesAsync(string ns, IReadOnlyDictionary<string, IndexedValueType> attributes) =>
        MutateAsync(m =>
        {
            foreach (var (name, type) in attributes)
            {
                Namespaces.AddSearchAttribute(ns, name, type);
                m.Batch.SearchAttributes.Add((ns, name, (int)type));
            }
        });
}
