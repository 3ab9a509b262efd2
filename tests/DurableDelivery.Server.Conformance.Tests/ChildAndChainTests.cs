using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;

namespace DurableDelivery.Server.Conformance.Tests;

public class ChildAndChainTests
{
    private static readonly Type[] Workflows =
    [
        typeof(ParentWorkflow), typeof(ChildWorkflow), typeof(SignalSenderWorkflow), typeof(SignalCollectorWorkflow),
        typeof(CountdownWorkflow), typeof(FailUntilAttemptWorkflow),
    ];

    [ConformanceFact]
    public async Task Child_Completes_ParentGetsItsResult()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("childresult");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("result", $"{id}-child"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe($"parent got: child of {id} done");
            var history = await Replay.AssertReplaysAsync(parent, Workflows);
            var types = Replay.Types(history);
            types.ShouldContain(EventType.StartChildWorkflowExecutionInitiated);
            types.ShouldContain(EventType.ChildWorkflowExecutionStarted);
            types.ShouldContain(EventType.ChildWorkflowExecutionCompleted);
            var child = await Replay.AssertReplaysAsync(env.Client.GetWorkflowHandle($"{id}-child"), Workflows);
            child.Events.First().WorkflowExecutionStartedEventAttributes.ParentWorkflowExecution.WorkflowId
                .ShouldBe(id);
        });
    }

    [ConformanceFact]
    public async Task Child_Fails_ParentCatchesChildWorkflowFailure()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("childfail");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync("fail", $"{id}-child"),
                new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe("child failed: ChildError: child failed on purpose");
            var history = await Replay.AssertReplaysAsync(parent, Workflows);
            Replay.Types(history).ShouldContain(EventType.ChildWorkflowExecutionFailed);
            await Replay.AssertReplaysAsync(env.Client.GetWorkflowHandle($"{id}-child"), Workflows);
        });
    }

    [ConformanceFact]
    public async Task Child_ParentClosePolicyTerminate_ChildTerminatedWhenParentCompletes()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("parentclose");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("leave-running", $"{id}-child"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe("parent done");
            var child = env.Client.GetWorkflowHandle($"{id}-child");
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => child.GetResultAsync<string>());
            failed.InnerException.ShouldBeOfType<TerminatedFailureException>();
            (await child.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Terminated);
            await Replay.AssertReplaysAsync(parent, Workflows);
            await Replay.AssertReplaysAsync(child, Workflows);
        });
    }

    [ConformanceFact]
    public async Task ExternalSignal_ToAnotherWorkflow_IsDelivered()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("externalsignal");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalSenderWorkflow>()
            .AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var target = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1),
                new(id: $"target-{queue}", taskQueue: queue));
            var sender = await env.Client.StartWorkflowAsync((SignalSenderWorkflow wf) => wf.RunAsync(target.Id),
                new(id: $"sender-{queue}", taskQueue: queue));
            (await sender.GetResultAsync()).ShouldBe("delivered");
            (await target.GetResultAsync()).ShouldBe([$"from {sender.Id}"]);
            var sent = await Replay.AssertReplaysAsync(sender, Workflows);
            Replay.Types(sent).ShouldContain(EventType.ExternalWorkflowExecutionSignaled);
            var received = await Replay.AssertReplaysAsync(target, Workflows);
            received.Events.Single(e => e.EventType == EventType.WorkflowExecutionSignaled)
                .WorkflowExecutionSignaledEventAttributes.ExternalWorkflowExecution.WorkflowId.ShouldBe(sender.Id);
        });
    }

    [ConformanceFact]
    public async Task ExternalSignal_ToUnknownWorkflow_FailsInTheSender()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("externalsignalmissing");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalSenderWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var nobody = $"nobody-{queue}";
            var sender = await env.Client.StartWorkflowAsync((SignalSenderWorkflow wf) => wf.RunAsync(nobody),
                new(id: $"sender-{queue}", taskQueue: queue));
            (await sender.GetResultAsync()).ShouldStartWith("not delivered");
            var history = await Replay.AssertReplaysAsync(sender, Workflows);
            Replay.Types(history).ShouldContain(EventType.SignalExternalWorkflowExecutionFailed);
        });
    }

    [ConformanceFact]
    public async Task ContinueAsNew_ResultFollowsTheChain_FirstRunEndsContinuedAsNew()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("continueasnew");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CountdownWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(3, 1),
                new(id: $"wf-{queue}", taskQueue: queue));
            (await handle.GetResultAsync()).ShouldBe(4);
            var continued = await Should.ThrowAsync<WorkflowContinuedAsNewException>(() =>
                handle.GetResultAsync(followRuns: false));
            var runs = await Replay.AssertChainReplaysAsync(env.Client, handle.Id, handle.ResultRunId!, Workflows);
            continued.NewRunId.ShouldBe(runs[1].Events.First().WorkflowExecutionStartedEventAttributes
                .OriginalExecutionRunId);
            runs.Count.ShouldBe(4);
            runs.Take(3).ShouldAllBe(h => h.Events.Last().EventType == EventType.WorkflowExecutionContinuedAsNew);
            runs[^1].Events.Last().EventType.ShouldBe(EventType.WorkflowExecutionCompleted);
            runs[1].Events.First().WorkflowExecutionStartedEventAttributes.ContinuedExecutionRunId
                .ShouldBe(handle.ResultRunId);
            (await env.Client.GetWorkflowHandle(handle.Id, handle.ResultRunId).DescribeAsync()).Status
                .ShouldBe(WorkflowExecutionStatus.ContinuedAsNew);
        });
    }

    [ConformanceFact]
    public async Task Workflow_ThrowsApplicationFailure_ResultThrowsWorkflowFailed()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("workflowfails");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<FailUntilAttemptWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((FailUntilAttemptWorkflow wf) => wf.RunAsync(99),
                new(id: $"wf-{queue}", taskQueue: queue));
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            var cause = failed.InnerException.ShouldBeOfType<ApplicationFailureException>();
            cause.ErrorType.ShouldBe("WorkflowError");
            cause.Message.ShouldBe("attempt 1 fails");
            var history = await Replay.AssertReplaysAsync(handle, Workflows);
            history.Events.Last().WorkflowExecutionFailedEventAttributes.RetryState
                .ShouldBe(RetryState.RetryPolicyNotSet);
        });
    }

    [ConformanceFact]
    public async Task Workflow_RetryPolicy_FailsOnAttemptOneSucceedsOnTwo()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("workflowretry");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<FailUntilAttemptWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((FailUntilAttemptWorkflow wf) => wf.RunAsync(2),
                new(id: $"wf-{queue}", taskQueue: queue)
                {
                    RetryPolicy = new RetryPolicy
                    {
                        InitialInterval = TimeSpan.FromMilliseconds(10), MaximumAttempts = 3,
                    },
                });
            (await handle.GetResultAsync()).ShouldBe("succeeded on attempt 2");
            var runs = await Replay.AssertChainReplaysAsync(env.Client, handle.Id, handle.ResultRunId!, Workflows);
            runs.Count.ShouldBe(2);
            var failed = runs[0].Events.Last();
            failed.EventType.ShouldBe(EventType.WorkflowExecutionFailed);
            failed.WorkflowExecutionFailedEventAttributes.RetryState.ShouldBe(RetryState.InProgress);
            var second = runs[1].Events.First().WorkflowExecutionStartedEventAttributes;
            second.Attempt.ShouldBe(2);
            second.Initiator.ShouldBe(ContinueAsNewInitiator.Retry);
        });
    }

    [ConformanceFact]
    public async Task Child_CancelledByParent_ParentSeesChildCanceled()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("childcancel");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("cancel-child", $"{id}-child"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe("child cancelled");
            var history = await Replay.AssertReplaysAsync(parent, Workflows);
            var types = Replay.Types(history);
            types.ShouldContain(EventType.RequestCancelExternalWorkflowExecutionInitiated);
            types.ShouldContain(EventType.ChildWorkflowExecutionCanceled);
            var child = env.Client.GetWorkflowHandle($"{id}-child");
            (await child.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Canceled);
            await Replay.AssertReplaysAsync(child, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Child_ContinuesAsNew_ParentGetsTheLastRunsResult()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("childcan");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<CountdownParentWorkflow>()
            .AddWorkflow<CountdownWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync(
                (CountdownParentWorkflow wf) => wf.RunAsync($"{id}-child"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe(3);
            var history = await Replay.AssertReplaysAsync(parent, typeof(CountdownParentWorkflow));
            var types = Replay.Types(history);
            types.Count(t => t == EventType.ChildWorkflowExecutionStarted).ShouldBe(1);
            types.Count(t => t == EventType.ChildWorkflowExecutionCompleted).ShouldBe(1);
            var firstChildRun = history.Events.Single(e => e.EventType == EventType.ChildWorkflowExecutionStarted)
                .ChildWorkflowExecutionStartedEventAttributes.WorkflowExecution.RunId;
            var runs = await Replay.AssertChainReplaysAsync(env.Client, $"{id}-child", firstChildRun, Workflows);
            runs.Count.ShouldBe(3);
        });
    }

    [ConformanceFact]
    public async Task Child_ParentClosePolicyAbandon_ChildKeepsRunning()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("abandon");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("abandon", $"{id}-child"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe("parent done");
            var child = env.Client.GetWorkflowHandle($"{id}-child");
            (await child.DescribeAsync()).Status.ShouldBe(WorkflowExecutionStatus.Running);
            await child.TerminateAsync("test over");
            await Replay.AssertReplaysAsync(parent, Workflows);
            await Replay.AssertReplaysAsync(child, Workflows);
        });
    }

    [ConformanceFact]
    public async Task Child_ParentClosePolicyRequestCancel_ChildCanceledWhenParentCompletes()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("requestcancel");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var parent = await env.Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("request-cancel", $"{id}-child"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe("parent done");
            var child = env.Client.GetWorkflowHandle($"{id}-child");
            var failed = await Should.ThrowAsync<WorkflowFailedException>(() => child.GetResultAsync<string>());
            failed.InnerException.ShouldBeOfType<CanceledFailureException>();
            await Replay.AssertReplaysAsync(parent, Workflows);
            var history = await Replay.AssertReplaysAsync(child, Workflows);
            Replay.Types(history).ShouldContain(EventType.WorkflowExecutionCancelRequested);
        });
    }

    [ConformanceFact]
    public async Task Child_IdOfARunningWorkflow_ParentSeesWorkflowAlreadyStarted()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("childduplicate");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<ParentWorkflow>().AddWorkflow<ChildWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var id = $"wf-{queue}";
            var taken = await env.Client.StartWorkflowAsync((ChildWorkflow wf) => wf.RunAsync("wait"),
                new(id: $"{id}-taken", taskQueue: queue));
            var parent = await env.Client.StartWorkflowAsync(
                (ParentWorkflow wf) => wf.RunAsync("duplicate-child", $"{id}-taken"), new(id: id, taskQueue: queue));
            (await parent.GetResultAsync()).ShouldBe($"already started: {id}-taken");
            var history = await Replay.AssertReplaysAsync(parent, Workflows);
            history.Events.Single(e => e.EventType == EventType.StartChildWorkflowExecutionFailed)
                .StartChildWorkflowExecutionFailedEventAttributes.Cause
                .ShouldBe(StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists);
            await taken.TerminateAsync("test over");
            await Replay.AssertReplaysAsync(taken, Workflows);
        });
    }
}
