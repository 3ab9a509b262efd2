using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class StartTests
{
    /// <summary>
    /// Eager workflow start: the SDK asks for it when a worker of the same client polls the task queue; the first
    /// workflow task comes back in the start's response, already started for that worker, with no poll. No worker of
    /// the client on the queue: the SDK does not ask, and the task goes through matching as usual.
    /// </summary>
    [ConformanceFact]
    public async Task Start_RequestEagerStart_FirstTaskComesBackInTheResponse_OtherwiseThroughMatching()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("eagerstart");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"wf-{queue}", taskQueue: queue) { RequestEagerStart = true });
            (await handle.GetResultAsync()).ShouldBeEmpty();
            env.Server.EagerWorkflowStarts.ShouldBe(1);
            var history = await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
            Replay.Types(history).ShouldBe(
            [
                EventType.WorkflowExecutionStarted, EventType.WorkflowTaskScheduled, EventType.WorkflowTaskStarted,
                EventType.WorkflowTaskCompleted, EventType.WorkflowExecutionCompleted,
            ]);

            // A second start of the same id refused as a duplicate hands out no task.
            await Should.ThrowAsync<WorkflowAlreadyStartedException>(() => env.Client.StartWorkflowAsync(
                (SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: $"wf-{queue}", taskQueue: queue)
                {
                    RequestEagerStart = true, IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate,
                }));
            env.Server.EagerWorkflowStarts.ShouldBe(1);
        });

        // No worker of this client on the queue any more: an ordinary start through matching, for a later worker.
        var later = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
            new(id: $"wf-{queue}-later", taskQueue: queue) { RequestEagerStart = true });
        using var second = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await second.ExecuteAsync(async () => (await later.GetResultAsync()).ShouldBeEmpty());
        env.Server.EagerWorkflowStarts.ShouldBe(1);
    }

    [ConformanceFact]
    public async Task Start_IdOfRunningWorkflow_ThrowsWorkflowAlreadyStarted()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("duplicate");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var options = new WorkflowOptions(id: $"wf-{queue}", taskQueue: queue);
            var first = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1), options);
            var refused = await Should.ThrowAsync<WorkflowAlreadyStartedException>(() =>
                env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1), options));
            refused.WorkflowId.ShouldBe(first.Id);
            refused.RunId.ShouldBe(first.ResultRunId);
            await first.SignalAsync(wf => wf.AddAsync("done"));
            (await first.GetResultAsync()).ShouldBe(["done"]);
            await Replay.AssertReplaysAsync(first, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Start_RejectDuplicateAfterCompletion_ThrowsWorkflowAlreadyStarted()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("rejectduplicate");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: id, taskQueue: queue));
            (await first.GetResultAsync()).ShouldBeEmpty();
            var refused = await Should.ThrowAsync<WorkflowAlreadyStartedException>(() =>
                env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                    new(id: id, taskQueue: queue) { IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate }));
            refused.RunId.ShouldBe(first.ResultRunId);
            await Replay.AssertReplaysAsync(first, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Start_AllowDuplicateAfterCompletion_StartsANewRun()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("allowduplicate");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: id, taskQueue: queue));
            (await first.GetResultAsync()).ShouldBeEmpty();
            var second = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(0),
                new(id: id, taskQueue: queue) { IdReusePolicy = WorkflowIdReusePolicy.AllowDuplicate });
            second.ResultRunId.ShouldNotBe(first.ResultRunId);
            (await second.GetResultAsync()).ShouldBeEmpty();
            await Replay.AssertReplaysAsync(first, typeof(SignalCollectorWorkflow));
            await Replay.AssertReplaysAsync(second, typeof(SignalCollectorWorkflow));
        });
    }

    [ConformanceFact]
    public async Task Start_UseExistingConflictPolicy_ReturnsTheRunningRun()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("useexisting");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var first = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1),
                new(id: id, taskQueue: queue));
            var second = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(5),
                new(id: id, taskQueue: queue) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            second.ResultRunId.ShouldBe(first.ResultRunId);
            await second.SignalAsync(wf => wf.AddAsync("once"));
            (await first.GetResultAsync()).ShouldBe(["once"]);
            var history = await Replay.AssertReplaysAsync(first, typeof(SignalCollectorWorkflow));
            Replay.Types(history).Count(t => t == EventType.WorkflowExecutionStarted).ShouldBe(1);
        });
    }

    [ConformanceFact]
    public async Task Signal_UnknownWorkflowId_ThrowsNotFound()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var handle = env.Client.GetWorkflowHandle<SignalCollectorWorkflow>($"no-such-workflow-{Guid.NewGuid():N}");
        var error = await Should.ThrowAsync<RpcException>(() => handle.SignalAsync(wf => wf.AddAsync("lost")));
        error.Code.ShouldBe(RpcException.StatusCode.NotFound);
    }
}
