using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.OperatorService.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using WorkflowExecution = Temporalio.Api.Common.V1.WorkflowExecution;

namespace DurableDelivery.Server.Conformance.Tests;

public class VisibilityTests
{
    [ConformanceFact]
    public async Task Describe_RunningActivity_ShowsItPendingWithHeartbeatDetails()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("describe");
        var activities = new FlakyActivities();
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CancelActivityWorkflow>()
            .AddAllActivities(activities));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CancelActivityWorkflow wf) => wf.RunAsync(false),
                new(id: $"wf-{queue}", taskQueue: queue));
            await activities.Started.Task.WaitAsync(TimeSpan.FromSeconds(20));
            var description = await Eventually.UntilAsync(
                () => DescribeAsync(env, handle),
                d => d.PendingActivities.Count == 1 && d.PendingActivities[0].HeartbeatDetails is not null,
                TimeSpan.FromSeconds(20), "the activity pending with a heartbeat");
            description.WorkflowExecutionInfo.Status.ShouldBe(WorkflowExecutionStatus.Running);
            var pending = description.PendingActivities[0];
            pending.ActivityType.Name.ShouldBe("HeartbeatUntilCancelled");
            pending.State.ShouldBe(PendingActivityState.Started);
            pending.Attempt.ShouldBe(1);
            description.ExecutionConfig.TaskQueue.Name.ShouldBe(queue);

            await handle.SignalAsync(wf => wf.CancelActivityAsync());
            (await handle.GetResultAsync()).ShouldBe("cancelled");
            (await DescribeAsync(env, handle)).PendingActivities.ShouldBeEmpty();
            await Replay.AssertReplaysAsync(handle, typeof(CancelActivityWorkflow));
        });
    }

    /// <summary>DescribeWorkflowExecution through the SDK's raw service client (it does not wrap pending activities).
    /// </summary>
    private static Task<DescribeWorkflowExecutionResponse> DescribeAsync(
        ServerEnvironment env, WorkflowHandle handle) =>
        env.Client.WorkflowService.DescribeWorkflowExecutionAsync(new DescribeWorkflowExecutionRequest
        {
            Namespace = env.Client.Options.Namespace,
            Execution = new WorkflowExecution { WorkflowId = handle.Id },
        });

    [ConformanceFact]
    public async Task List_ByTypeAndStatus_ReturnsOnlyMatchingRunsAndCountAgrees()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("list");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>()
            .AddWorkflow<CountdownWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var completed = new List<WorkflowHandle>();
            for (var i = 0; i < 3; i++)
            {
                var done = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                    new(id: $"done-{i}-{queue}", taskQueue: queue));
                await done.GetResultAsync();
                completed.Add(done);
            }

            var running = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1),
                new(id: $"running-{queue}", taskQueue: queue));
            var other = await env.Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(0, 1),
                new(id: $"other-{queue}", taskQueue: queue));
            await other.GetResultAsync();

            const string query = "WorkflowType = 'SignalCollectorWorkflow' AND ExecutionStatus = 'Completed'";
            var listed = new List<Temporalio.Client.WorkflowExecution>();
            await foreach (var execution in env.Client.ListWorkflowsAsync(query))
            {
                listed.Add(execution);
            }

            listed.Select(e => e.Id).OrderBy(x => x).ShouldBe(completed.Select(h => h.Id).OrderBy(x => x));
            listed.ShouldAllBe(e => e.Status == WorkflowExecutionStatus.Completed);
            (await env.Client.CountWorkflowsAsync(query)).Count.ShouldBe(3);
            (await env.Client.CountWorkflowsAsync("ExecutionStatus = 'Running'")).Count.ShouldBe(1);

            await running.SignalAsync(wf => wf.AddAsync("last"));
            await running.GetResultAsync();
            (await env.Client.CountWorkflowsAsync(query)).Count.ShouldBe(4);
            foreach (var handle in completed.Append(running))
            {
                await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
            }

            await Replay.AssertReplaysAsync(other, typeof(CountdownWorkflow));
        });
    }

    [ConformanceFact]
    public async Task SearchAttribute_RegisteredAndUpserted_ListsTheWorkflowByIt()
    {
        await using var env = await ServerEnvironment.StartAsync();
        await env.Client.Connection.OperatorService.AddSearchAttributesAsync(new AddSearchAttributesRequest
        {
            Namespace = env.Client.Options.Namespace,
            SearchAttributes = { [TaggedWorkflow.CustomerId.Name] = IndexedValueType.Keyword },
        });
        var queue = ServerEnvironment.NewTaskQueue("searchattributes");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<TaggedWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var tagged = await env.Client.StartWorkflowAsync((TaggedWorkflow wf) => wf.RunAsync("c-42"),
                new(id: $"tagged-{queue}", taskQueue: queue));
            var untagged = await env.Client.StartWorkflowAsync((TaggedWorkflow wf) => wf.RunAsync("c-7"),
                new(id: $"other-{queue}", taskQueue: queue));
            var listed = await Eventually.UntilAsync(
                async () =>
                {
                    var ids = new List<string>();
                    await foreach (var execution in env.Client.ListWorkflowsAsync("CustomerId = 'c-42'"))
                    {
                        ids.Add(execution.Id);
                    }

                    return ids;
                },
                ids => ids.Count > 0, TimeSpan.FromSeconds(20), "the upserted attribute is listed");
            listed.ShouldBe([tagged.Id]);
            (await tagged.DescribeAsync()).TypedSearchAttributes.Get(TaggedWorkflow.CustomerId).ShouldBe("c-42");

            await tagged.SignalAsync(wf => wf.FinishAsync());
            await untagged.SignalAsync(wf => wf.FinishAsync());
            (await tagged.GetResultAsync()).ShouldBe("c-42");
            (await untagged.GetResultAsync()).ShouldBe("c-7");
            (await env.Client.CountWorkflowsAsync("CustomerId = 'c-42' AND ExecutionStatus = 'Completed'"))
                .Count.ShouldBe(1);
            await Replay.AssertReplaysAsync(tagged, typeof(TaggedWorkflow));
            await Replay.AssertReplaysAsync(untagged, typeof(TaggedWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Start_WithMemoAndSearchAttributes_DescribeAndListShowThem()
    {
        await using var env = await ServerEnvironment.StartAsync();
        await env.Client.Connection.OperatorService.AddSearchAttributesAsync(new AddSearchAttributesRequest
        {
            Namespace = env.Client.Options.Namespace,
            SearchAttributes = { [TaggedWorkflow.CustomerId.Name] = IndexedValueType.Keyword },
        });
        var queue = ServerEnvironment.NewTaskQueue("memo");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"wf-{queue}", taskQueue: queue)
                {
                    Memo = new Dictionary<string, object> { ["owner"] = "team-a" },
                    TypedSearchAttributes = new Temporalio.Common.SearchAttributeCollection.Builder()
                        .Set(TaggedWorkflow.CustomerId, "c-9").ToSearchAttributeCollection(),
                });
            await handle.GetResultAsync();
            var description = await handle.DescribeAsync();
            (await description.Memo["owner"].ToValueAsync<string>()).ShouldBe("team-a");
            description.TypedSearchAttributes.Get(TaggedWorkflow.CustomerId).ShouldBe("c-9");
            var listed = new List<Temporalio.Client.WorkflowExecution>();
            await foreach (var execution in env.Client.ListWorkflowsAsync("CustomerId = 'c-9'"))
            {
                listed.Add(execution);
            }

            listed.Select(e => e.Id).ShouldBe([handle.Id]);
            (await listed[0].Memo["owner"].ToValueAsync<string>()).ShouldBe("team-a");
            await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task SearchAttributes_EveryType_RoundTripAndFilterAndUnset()
    {
        await using var env = await ServerEnvironment.StartAsync();
        await env.Client.Connection.OperatorService.AddSearchAttributesAsync(new AddSearchAttributesRequest
        {
            Namespace = env.Client.Options.Namespace,
            SearchAttributes =
            {
                [TypedAttributesWorkflow.Rank.Name] = IndexedValueType.Int,
                [TypedAttributesWorkflow.Score.Name] = IndexedValueType.Double,
                [TypedAttributesWorkflow.Vip.Name] = IndexedValueType.Bool,
                [TypedAttributesWorkflow.Since.Name] = IndexedValueType.Datetime,
                [TypedAttributesWorkflow.Tags.Name] = IndexedValueType.KeywordList,
                [TypedAttributesWorkflow.Notes.Name] = IndexedValueType.Text,
            },
        });
        var queue = ServerEnvironment.NewTaskQueue("typedattributes");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<TypedAttributesWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var since = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
            var gold = new TypedAttributes(7, 1.5, true, since, ["blue", "green"], "urgent delivery to Oslo");
            var plain = new TypedAttributes(2, 9.25, false, since.AddYears(-3), ["red"], "routine");
            var goldHandle = await env.Client.StartWorkflowAsync((TypedAttributesWorkflow wf) => wf.RunAsync(gold),
                new(id: $"gold-{queue}", taskQueue: queue));
            var plainHandle = await env.Client.StartWorkflowAsync((TypedAttributesWorkflow wf) => wf.RunAsync(plain),
                new(id: $"plain-{queue}", taskQueue: queue));
            await Eventually.EventuallyAsync(
                async () => (await env.Client.CountWorkflowsAsync("Rank IS NOT NULL")).Count == 2,
                TimeSpan.FromSeconds(20), "both workflows upserted their attributes");

            var attributes = (await goldHandle.DescribeAsync()).TypedSearchAttributes;
            attributes.Get(TypedAttributesWorkflow.Rank).ShouldBe(7);
            attributes.Get(TypedAttributesWorkflow.Score).ShouldBe(1.5);
            attributes.Get(TypedAttributesWorkflow.Vip).ShouldBeTrue();
            attributes.Get(TypedAttributesWorkflow.Since).ShouldBe(since);
            attributes.Get(TypedAttributesWorkflow.Tags).ShouldBe(["blue", "green"]);
            attributes.Get(TypedAttributesWorkflow.Notes).ShouldBe("urgent delivery to Oslo");

            foreach (var query in new[]
            {
                "Rank >= 5 AND Score < 2.5", "Vip = true", "Since > '2023-01-01T00:00:00Z'", "Tags = 'blue'",
                "Tags IN ('green', 'yellow')", "Notes = 'urgent'", "Rank BETWEEN 6 AND 8",
            })
            {
                (await ListIdsAsync(env, query)).ShouldBe([goldHandle.Id], query);
            }

            (await ListIdsAsync(env, "Tags = 'red' OR Vip = false")).ShouldBe([plainHandle.Id]);

            await goldHandle.SignalAsync(wf => wf.ClearTagsAsync());
            await Eventually.EventuallyAsync(async () => (await ListIdsAsync(env, "Tags = 'blue'")).Count == 0,
                TimeSpan.FromSeconds(20), "the unset tags are no longer listed");
            (await goldHandle.DescribeAsync()).TypedSearchAttributes.ContainsKey(TypedAttributesWorkflow.Tags)
                .ShouldBeFalse();
            (await ListIdsAsync(env, "Tags IS NULL")).ShouldBe([goldHandle.Id]);

            await goldHandle.SignalAsync(wf => wf.FinishAsync());
            await plainHandle.SignalAsync(wf => wf.FinishAsync());
            await goldHandle.GetResultAsync();
            await plainHandle.GetResultAsync();
            await Replay.AssertReplaysAsync(goldHandle, typeof(TypedAttributesWorkflow));
            await Replay.AssertReplaysAsync(plainHandle, typeof(TypedAttributesWorkflow));
        });
    }

    private static async Task<List<string>> ListIdsAsync(ServerEnvironment env, string query)
    {
        var ids = new List<string>();
        await foreach (var execution in env.Client.ListWorkflowsAsync(query))
        {
            ids.Add(execution.Id);
        }

        return ids;
    }

    [ConformanceFact]
    public async Task Patch_AndMemoUpserts_ReplayAndShowOnDescribe()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("patchmemo");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<PatchAndMemoWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((PatchAndMemoWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue)
                {
                    Memo = new Dictionary<string, object> { ["owner"] = "team-b" },
                });
            await Eventually.EventuallyAsync(
                async () => (await handle.DescribeAsync()).Memo.ContainsKey("stage"),
                TimeSpan.FromSeconds(20), "the memo upsert is visible");
            var memo = (await handle.DescribeAsync()).Memo;
            (await memo["stage"].ToValueAsync<string>()).ShouldBe("started");
            (await memo["branch"].ToValueAsync<string>()).ShouldBe("patched");
            (await memo["owner"].ToValueAsync<string>()).ShouldBe("team-b");

            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe("patched");
            memo = (await handle.DescribeAsync()).Memo;
            (await memo["stage"].ToValueAsync<string>()).ShouldBe("finished");
            (await memo["branch"].ToValueAsync<string>()).ShouldBe("patched");
            var history = await Replay.AssertReplaysAsync(handle, typeof(PatchAndMemoWorkflow));
            var types = Replay.Types(history);
            types.ShouldContain(EventType.MarkerRecorded);
            types.Count(t => t == EventType.WorkflowPropertiesModified).ShouldBe(2);
        });
    }

    [ConformanceFact]
    public async Task Start_WithUndefinedOrMistypedSearchAttribute_IsRejected()
    {
        await using var env = await ServerEnvironment.StartAsync();
        await env.Client.Connection.OperatorService.AddSearchAttributesAsync(new AddSearchAttributesRequest
        {
            Namespace = env.Client.Options.Namespace,
            SearchAttributes = { [TypedAttributesWorkflow.Rank.Name] = IndexedValueType.Int },
        });
        var queue = ServerEnvironment.NewTaskQueue("badattributes");
        var undefined = await Should.ThrowAsync<RpcException>(() =>
            env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"undefined-{queue}", taskQueue: queue)
                {
                    TypedSearchAttributes = new SearchAttributeCollection.Builder()
                        .Set(UndefinedAttributeWorkflow.Undefined, "x").ToSearchAttributeCollection(),
                }));
        undefined.Code.ShouldBe(RpcException.StatusCode.InvalidArgument);
        undefined.Message.ShouldContain("NeverRegistered");

        var mistyped = await Should.ThrowAsync<RpcException>(() =>
            env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"mistyped-{queue}", taskQueue: queue)
                {
                    TypedSearchAttributes = new SearchAttributeCollection.Builder()
                        .Set(SearchAttributeKey.CreateKeyword(TypedAttributesWorkflow.Rank.Name), "high")
                        .ToSearchAttributeCollection(),
                }));
        mistyped.Code.ShouldBe(RpcException.StatusCode.InvalidArgument);
        mistyped.Message.ShouldContain("Rank");

        var system = await Should.ThrowAsync<RpcException>(() =>
            env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"system-{queue}", taskQueue: queue)
                {
                    TypedSearchAttributes = new SearchAttributeCollection.Builder()
                        .Set(SearchAttributeKey.CreateKeyword("WorkflowType"), "Faked")
                        .ToSearchAttributeCollection(),
                }));
        system.Code.ShouldBe(RpcException.StatusCode.InvalidArgument);
        (await env.Client.CountWorkflowsAsync("")).Count.ShouldBe(0);
    }

    [ConformanceFact]
    public async Task Upsert_UndefinedSearchAttribute_FailsTheWorkflowTask()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("badupsert");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<UndefinedAttributeWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((UndefinedAttributeWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Eventually.UntilAsync(
                async () => (await handle.FetchHistoryAsync()).Events
                    .FirstOrDefault(e => e.EventType == EventType.WorkflowTaskFailed),
                e => e is not null, TimeSpan.FromSeconds(20), "the workflow task failed");
            failed!.WorkflowTaskFailedEventAttributes.Cause.ShouldBe(WorkflowTaskFailedCause.BadSearchAttributes);
            failed.WorkflowTaskFailedEventAttributes.Failure.Message.ShouldContain("NeverRegistered");
            Replay.Types(await handle.FetchHistoryAsync())
                .ShouldNotContain(EventType.UpsertWorkflowSearchAttributes);
            await handle.TerminateAsync("test over");
            await Replay.AssertReplaysAsync(handle, typeof(UndefinedAttributeWorkflow));
        });
    }
}
