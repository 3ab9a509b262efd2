using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

/// <summary>Update-with-start: the SDK's ExecuteMultiOperation of a start and an update.</summary>
public class UpdateWithStartTests
{
    [ConformanceFact]
    public async Task UpdateWithStart_NoWorkflow_StartsItAndItsFirstTaskRunsTheUpdate()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("uws-new");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var start = WithStartWorkflowOperation.Create((CounterWorkflow wf) => wf.RunAsync(),
                new(id: $"wf-{queue}", taskQueue: queue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            (await env.Client.ExecuteUpdateWithStartWorkflowAsync((CounterWorkflow wf) => wf.IncrementAsync(2),
                new(start))).ShouldBe(2);
            var handle = await start.GetHandleAsync();
            await handle.SignalAsync(wf => wf.FinishAsync());
            (await handle.GetResultAsync()).ShouldBe(2);

            // Start and update are one operation: the update rides on the first workflow task.
            var history = await Replay.AssertReplaysAsync(handle, typeof(CounterWorkflow));
            Replay.Types(history).Take(6).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionUpdateAccepted,
                EventType.WorkflowExecutionUpdateCompleted,
            ]);
        });
    }

    [ConformanceFact]
    public async Task UpdateWithStart_WorkflowRunningUseExisting_UpdatesTheRunningRun()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("uws-existing");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: id, taskQueue: queue));
            await first.ExecuteUpdateAsync(wf => wf.IncrementAsync(1));
            var start = WithStartWorkflowOperation.Create((CounterWorkflow wf) => wf.RunAsync(),
                new(id: id, taskQueue: queue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            (await env.Client.ExecuteUpdateWithStartWorkflowAsync((CounterWorkflow wf) => wf.IncrementAsync(10),
                new(start))).ShouldBe(11);
            (await start.GetHandleAsync()).ResultRunId.ShouldBe(first.ResultRunId);
            await first.SignalAsync(wf => wf.FinishAsync());
            (await first.GetResultAsync()).ShouldBe(11);
            var history = await Replay.AssertReplaysAsync(first, typeof(CounterWorkflow));
            Replay.Types(history).Count(t => t == EventType.WorkflowExecutionStarted).ShouldBe(1);
        });
    }

    [ConformanceFact]
    public async Task UpdateWithStart_WorkflowRunningConflictPolicyFail_ThrowsAlreadyStarted()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("uws-fail");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CounterWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((CounterWorkflow wf) => wf.RunAsync(),
                new(id: id, taskQueue: queue));
            var start = WithStartWorkflowOperation.Create((CounterWorkflow wf) => wf.RunAsync(),
                new(id: id, taskQueue: queue) { IdConflictPolicy = WorkflowIdConflictPolicy.Fail });
            var refused = await Should.ThrowAsync<WorkflowAlreadyStartedException>(() =>
                env.Client.ExecuteUpdateWithStartWorkflowAsync((CounterWorkflow wf) => wf.IncrementAsync(10),
                    new(start)));
            refused.RunId.ShouldBe(first.ResultRunId);
            await Should.ThrowAsync<WorkflowAlreadyStartedException>(() => start.GetHandleAsync());
            (await first.QueryAsync(wf => wf.Count)).ShouldBe(0);
            await first.SignalAsync(wf => wf.FinishAsync());
            (await first.GetResultAsync()).ShouldBe(0);
            await Replay.AssertReplaysAsync(first, typeof(CounterWorkflow));
        });
    }
}
