using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace DurableDelivery.Server.Conformance.Tests.Workflows;

/// <summary>A child that succeeds, fails, or waits an hour, as told.</summary>
[Workflow]
public class ChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string mode)
    {
        switch (mode)
        {
            case "fail":
                throw new ApplicationFailureException("child failed on purpose", "ChildError", nonRetryable: true);
            case "wait":
                await Workflow.DelayAsync(TimeSpan.FromHours(1));
                return "child woke up";
            default:
                return $"child of {Workflow.Info.Parent?.WorkflowId} done";
        }
    }
}

/// <summary>Runs a child and reports what happened to it.</summary>
[Workflow]
public class ParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string mode, string childId)
    {
        switch (mode)
        {
            case "fail":
                try
                {
                    await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("fail"),
                        new ChildWorkflowOptions { Id = childId });
                    return "child did not fail";
                }
                catch (ChildWorkflowFailureException e)
                {
                    var cause = e.InnerException as ApplicationFailureException;
                    return $"child failed: {cause?.ErrorType}: {cause?.Message}";
                }

            case "cancel-child":
            {
                using var source = new CancellationTokenSource();
                var child = await Workflow.StartChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("wait"),
                    new ChildWorkflowOptions
                    {
                        Id = childId,
                        CancellationToken = source.Token,
                        CancellationType = ChildWorkflowCancellationType.WaitCancellationCompleted,
                    });
                source.Cancel();
                try
                {
                    return await child.GetResultAsync();
                }
                catch (ChildWorkflowFailureException e) when (e.InnerException is CanceledFailureException)
                {
                    return "child cancelled";
                }
            }

            case "leave-running":
            case "abandon":
            case "request-cancel":
                // The parent completes while its child waits; the close policy decides the child's fate.
                await Workflow.StartChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("wait"),
                    new ChildWorkflowOptions
                    {
                        Id = childId,
                        ParentClosePolicy = mode switch
                        {
                            "abandon" => ParentClosePolicy.Abandon,
                            "request-cancel" => ParentClosePolicy.RequestCancel,
                            _ => ParentClosePolicy.Terminate,
                        },
                    });
                return "parent done";
            case "duplicate-child":
                try
                {
                    await Workflow.StartChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("succeed"),
                        new ChildWorkflowOptions { Id = childId });
                    return "child started";
                }
                catch (WorkflowAlreadyStartedException e)
                {
                    return $"already started: {e.WorkflowId}";
                }

            default:
                var result = await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("succeed"),
                    new ChildWorkflowOptions { Id = childId });
                return $"parent got: {result}";
        }
    }
}

/// <summary>Signals another workflow by id (not its child) and reports whether the signal was delivered.</summary>
[Workflow]
public class SignalSenderWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string targetId)
    {
        try
        {
            await Workflow.GetExternalWorkflowHandle<SignalCollectorWorkflow>(targetId)
                .SignalAsync(wf => wf.AddAsync($"from {Workflow.Info.WorkflowId}"));
            return "delivered";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"not delivered: {e.GetType().Name}";
        }
    }
}

/// <summary>Continues as new until the count reaches zero; returns how many runs there were.</summary>
[Workflow]
public class CountdownWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int remaining, int runs)
    {
        if (remaining > 0)
        {
            throw Workflow.CreateContinueAsNewException((CountdownWorkflow wf) => wf.RunAsync(remaining - 1, runs + 1));
        }

        return Task.FromResult(runs);
    }
}

/// <summary>Fails (with an application failure) on every attempt before the given one.</summary>
[Workflow]
public class FailUntilAttemptWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(int succeedOnAttempt)
    {
        var attempt = Workflow.Info.Attempt;
        if (attempt < succeedOnAttempt)
        {
            throw new ApplicationFailureException($"attempt {attempt} fails", "WorkflowError");
        }

        return Task.FromResult($"succeeded on attempt {attempt}");
    }
}

/// <summary>Runs <see cref="CountdownWorkflow"/> as a child that continues as new twice; returns its result.</summary>
[Workflow]
public class CountdownParentWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(string childId) =>
        Workflow.ExecuteChildWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(2, 1),
            new ChildWorkflowOptions { Id = childId });
}

/// <summary>Sleeps an hour, then continues as new, forever.</summary>
[Workflow]
public class HourlyLoopWorkflow
{
    [WorkflowRun]
    public async Task RunAsync(int iteration)
    {
        await Workflow.DelayAsync(TimeSpan.FromHours(1));
        throw Workflow.CreateContinueAsNewException((HourlyLoopWorkflow wf) => wf.RunAsync(iteration + 1));
    }
}
