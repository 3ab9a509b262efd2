using System.Text;
using DurableDelivery.Server.Grpc;
using DurableDelivery.Server.History;
using DurableDelivery.Server.Time;
using DurableDelivery.Server.Visibility;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.WorkflowService.V1;

namespace DurableDelivery.Server.Frontend;

/// <content>System, cluster and namespace information; visibility (list, count).</content>
internal sealed partial class WorkflowServiceFrontend
{
    /// <summary>The Temporal server version this server answers as (UI and CLI gate features on it).</summary>
    public const string ServerVersion = "1.29.1";

    /// <summary>GetSystemInfo: the capabilities the SDK and UI read.</summary>
    public Task<GetSystemInfoResponse> GetSystemInfo(GetSystemInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new GetSystemInfoResponse
        {
            ServerVersion = ServerVersion,
            Capabilities = new GetSystemInfoResponse.Types.Capabilities
            {
                SignalAndQueryHeader = true,
                InternalErrorDifferentiation = true,
                ActivityFailureIncludeHeartbeat = true,
                SupportsSchedules = false,
                EncodedFailureAttributes = true,
                BuildIdBasedVersioning = false,
                UpsertMemo = true,
                EagerWorkflowStart = true,
                SdkMetadata = true,
                CountGroupByExecutionStatus = true,
                Nexus = false,
            },
        });

    /// <summary>GetClusterInfo, as Temporal UI and the temporal CLI read it.</summary>
    public Task<GetClusterInfoResponse> GetClusterInfo(GetClusterInfoRequest request, ServerCallContext context)
    {
        var response = new GetClusterInfoResponse
        {
            ServerVersion = ServerVersion,
            ClusterId = "durable-delivery-embedded",
            ClusterName = "active",
            HistoryShardCount = 1,
            PersistenceStore = "sqlite",
            VisibilityStore = "sqlite",
            InitialFailoverVersion = 1,
            FailoverVersionIncrement = 10,
        };
        response.SupportedClients.Add("temporal-cli", ">=0.0.0");
        response.SupportedClients.Add("temporal-ui", ">=0.0.0");
        return Task.FromResult(response);
    }

    /// <summary>DescribeNamespace.</summary>
    public Task<DescribeNamespaceResponse> DescribeNamespace(
        DescribeNamespaceRequest request, ServerCallContext context)
    {
        var entry = string.IsNullOrEmpty(request.Id)
            ? engine.Namespaces.Find(request.Namespace)
            : engine.Namespaces.All().FirstOrDefault(n => n.Id == request.Id);
        if (entry is null)
        {
            throw RpcErrors.NamespaceNotFound(string.IsNullOrEmpty(request.Namespace) ? request.Id : request.Namespace);
        }

        return Task.FromResult(Describe(entry));
    }

    private static DescribeNamespaceResponse Describe(NamespaceEntry entry) => new()
    {
        NamespaceInfo = new NamespaceInfo
        {
            Name = entry.Name,
            Id = entry.Id,
            State = NamespaceState.Registered,
            Description = entry.Description,
            Capabilities = new NamespaceInfo.Types.Capabilities
            {
                EagerWorkflowStart = true, SyncUpdate = true, AsyncUpdate = true,
            },
        },
        Config = new NamespaceConfig
        {
            WorkflowExecutionRetentionTtl = Nanos.ToDuration(entry.RetentionMs),
            HistoryArchivalState = ArchivalState.Disabled,
            VisibilityArchivalState = ArchivalState.Disabled,
        },
        ReplicationConfig = new Temporalio.Api.Replication.V1.NamespaceReplicationConfig
        {
            ActiveClusterName = "active",
            Clusters = { new Temporalio.Api.Replication.V1.ClusterReplicationConfig { ClusterName = "active" } },
        },
    };

    /// <summary>ListNamespaces.</summary>
    public Task<ListNamespacesResponse> ListNamespaces(ListNamespacesRequest request, ServerCallContext context)
    {
        var response = new ListNamespacesResponse();
        response.Namespaces.AddRange(engine.Namespaces.All().Select(Describe));
        return Task.FromResult(response);
    }

    /// <summary>RegisterNamespace.</summary>
    public async Task<RegisterNamespaceResponse> RegisterNamespace(
        RegisterNamespaceRequest request, ServerCallContext context)
    {
        check.Required(request.Namespace, "Namespace");
        RequestValidator.Duration(request.WorkflowExecutionRetentionPeriod, "WorkflowExecutionRetentionPeriod");
        var retention = Nanos.Ms(request.WorkflowExecutionRetentionPeriod);
        var added = await engine.RegisterNamespaceAsync(request.Namespace,
            TimeSpan.FromMilliseconds(retention > 0 ? retention : 86_400_000), request.Description)
            .ConfigureAwait(false);
        if (!added)
        {
            throw RpcErrors.Create(StatusCode.AlreadyExists, "Namespace already exists.",
                new Temporalio.Api.ErrorDetails.V1.NamespaceAlreadyExistsFailure());
        }

        return new RegisterNamespaceResponse();
    }

    /// <summary>GetSearchAttributes (deprecated, still read by older tools).</summary>
    public Task<GetSearchAttributesResponse> GetSearchAttributes(
        GetSearchAttributesRequest request, ServerCallContext context)
    {
        var response = new GetSearchAttributesResponse();
        foreach (var (name, type) in VisibilityAttributes.System)
        {
            response.Keys[name] = type;
        }

        return Task.FromResult(response);
    }

    /// <summary>ListWorkflowExecutions with Temporal's query language; newest first, open before closed.</summary>
    public Task<ListWorkflowExecutionsResponse> ListWorkflowExecutions(
        ListWorkflowExecutionsRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        var sql = Translate(request.Namespace, request.Query);
        if (sql.GroupByExecutionStatus)
        {
            throw RpcErrors.InvalidArgument("invalid query: 'GROUP BY' clause is only supported for count queries");
        }

        if (sql.OrderBy.Count > 0)
        {
            throw RpcErrors.InvalidArgument("invalid query: 'ORDER BY' clause is not supported by SQL visibility");
        }

        var pageSize = request.PageSize > 0 ? Math.Min(request.PageSize, 1000) : 1000;
        using var connection = engine.Store.OpenReader();
        using var command = connection.CreateCommand();
        var where = new StringBuilder("namespace = $ns AND (").Append(sql.Where).Append(')');
        command.Parameters.AddWithValue("$ns", request.Namespace);
        if (!request.NextPageToken.IsEmpty)
        {
            var parts = request.NextPageToken.ToStringUtf8().Split('|');
            if (parts.Length != 3 || !long.TryParse(parts[0], out var close) || !long.TryParse(parts[1], out var start))
            {
                throw RpcErrors.InvalidArgument("NextPageToken is not a visibility page token of this server.");
            }

            where.Append(" AND (COALESCE(close_time, 9223372036854775807) < $tc OR (COALESCE(close_time, ")
                .Append("9223372036854775807) = $tc AND (start_time < $ts OR (start_time = $ts AND run_id > $tr))))");
            command.Parameters.AddWithValue("$tc", close);
            command.Parameters.AddWithValue("$ts", start);
            command.Parameters.AddWithValue("$tr", parts[2]);
        }

        foreach (var (name, value) in sql.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.CommandText = "SELECT run_id, COALESCE(close_time, 9223372036854775807), start_time, state "
            + $"FROM executions WHERE {where} "
            + "ORDER BY COALESCE(close_time, 9223372036854775807) DESC, start_time DESC, run_id LIMIT $limit";
        command.Parameters.AddWithValue("$limit", pageSize);
        var response = new ListWorkflowExecutionsResponse();
        string? last = null;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var state = System.Text.Json.JsonSerializer.Deserialize(
                    (byte[])reader[3], RunStateJson.Default.RunState)!;
                response.Executions.Add(engine.ExecutionInfo(state));
                last = $"{reader.GetInt64(1)}|{reader.GetInt64(2)}|{reader.GetString(0)}";
            }
        }

        if (response.Executions.Count == pageSize && last is not null)
        {
            response.NextPageToken = ByteString.CopyFromUtf8(last);
        }

        return Task.FromResult(response);
    }

    /// <summary>CountWorkflowExecutions, with <c>GROUP BY ExecutionStatus</c>.</summary>
    public Task<CountWorkflowExecutionsResponse> CountWorkflowExecutions(
        CountWorkflowExecutionsRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        var sql = Translate(request.Namespace, request.Query);
        using var connection = engine.Store.OpenReader();
        using var command = connection.CreateCommand();
        command.Parameters.AddWithValue("$ns", request.Namespace);
        foreach (var (name, value) in sql.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var response = new CountWorkflowExecutionsResponse();
        if (sql.GroupByExecutionStatus)
        {
            command.CommandText = $"SELECT status, COUNT(*) FROM executions WHERE namespace = $ns AND ({sql.Where}) "
                + "GROUP BY status ORDER BY status";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var count = reader.GetInt64(1);
                response.Count += count;
                var group = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = count };
                group.GroupValues.Add(KeywordPayload(StatusName((WorkflowExecutionStatus)reader.GetInt32(0))));
                response.Groups.Add(group);
            }
        }
        else
        {
            command.CommandText = $"SELECT COUNT(*) FROM executions WHERE namespace = $ns AND ({sql.Where})";
            response.Count = (long)command.ExecuteScalar()!;
        }

        return Task.FromResult(response);
    }

    private VisibilitySql Translate(string ns, string query)
    {
        var custom = engine.Namespaces.SearchAttributesOf(ns)
            .ToDictionary(kv => kv.Key, kv => (SearchAttributeKind)(int)kv.Value);
        try
        {
            return VisibilityQuery.Translate(query ?? "", custom);
        }
        catch (VisibilityQueryException ex)
        {
            throw RpcErrors.InvalidArgument(ex.Message);
        }
    }

    /// <summary>Temporal's name of a status, as visibility shows it.</summary>
    public static string StatusName(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "Running",
        WorkflowExecutionStatus.Completed => "Completed",
        WorkflowExecutionStatus.Failed => "Failed",
        WorkflowExecutionStatus.Canceled => "Canceled",
        WorkflowExecutionStatus.Terminated => "Terminated",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        WorkflowExecutionStatus.TimedOut => "TimedOut",
        _ => "Unspecified",
    };

    private static Payload KeywordPayload(string value) => new()
    {
        Metadata =
        {
            ["encoding"] = ByteString.CopyFromUtf8("json/plain"),
            ["type"] = ByteString.CopyFromUtf8("Keyword"),
        },
        Data = ByteString.CopyFromUtf8(System.Text.Json.JsonSerializer.Serialize(value, RunStateJson.Default.String)),
    };

    /// <summary>DescribeTaskQueue: pollers seen and the backlog.</summary>
    public Task<DescribeTaskQueueResponse> DescribeTaskQueue(
        DescribeTaskQueueRequest request, ServerCallContext context)
    {
        check.Namespace(request.Namespace);
        check.Required(request.TaskQueue?.Name, "TaskQueue");
        var activity = request.TaskQueueType == TaskQueueType.Activity;
        var (_, pollers, lastPoll) = engine.Matching.Stats(
            new Matching.QueueKey(request.Namespace, request.TaskQueue!.Name, activity));
        var response = new DescribeTaskQueueResponse();
        if (pollers > 0 || lastPoll != default)
        {
            response.Pollers.Add(new Temporalio.Api.TaskQueue.V1.PollerInfo
            {
                Identity = "workers",
                LastAccessTime = Nanos.ToTimestamp(Nanos.From(lastPoll)),
            });
        }

        return Task.FromResult(response);
    }
}
