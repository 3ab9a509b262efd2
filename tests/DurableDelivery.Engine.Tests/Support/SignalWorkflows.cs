using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Support;

/// <summary>
/// Starts <see cref="PongWorkflow"/> as a child, signals it every value in order (one at a time, or all in one workflow
/// task), waits for the child's reply to each (sent back through an external handle), then for the child's result.
/// </summary>
[Workflow]
public sealed class PingWorkflow
{
    private readonly List<string> replies = [];

    [WorkflowQuery]
    public IReadOnlyList<string> Replies => replies;

    [WorkflowRun]
    public async Task<string> RunAsync(string[] values, bool batch)
    {
        var child = await Workflow.StartChildWorkflowAsync(
            (PongWorkflow wf) => wf.RunAsync(Workflow.Info.WorkflowId, values.Length),
            new ChildWorkflowOptions { Id = $"{Workflow.Info.WorkflowId}/pong" });
        if (batch)
        {
            await Workflow.WhenAllAsync([.. values.Select(v => child.SignalAsync(wf => wf.AddAsync(v)))]);
        }
        else
        {
            foreach (var v in values)
            {
                await child.SignalAsync(wf => wf.AddAsync(v));
            }
        }

        await Workflow.WaitConditionAsync(() => replies.Count >= values.Length);
        var childResult = await child.GetResultAsync();
        return $"{child.Id} ran {(child.FirstExecutionRunId.Length > 0 ? "with a run id" : "without a run id")}: child saw [{childResult}], parent saw [{string.Join(',', replies)}]";
    }

    [WorkflowSignal]
    public Task ReplyAsync(string value)
    {
        replies.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>Replies to each value it receives by signalling its parent (by workflow id, through an external handle).</summary>
[Workflow]
public sealed class PongWorkflow
{
    private readonly List<string> received = [];

    [WorkflowRun]
    public async Task<string> RunAsync(string parentId, int count)
    {
        var parent = Workflow.GetExternalWorkflowHandle<PingWorkflow>(parentId);
        for (var i = 0; i < count; i++)
        {
            await Workflow.WaitConditionAsync(() => received.Count > i);
            await parent.SignalAsync(wf => wf.ReplyAsync($"re:{received[i]}"));
        }

        return string.Join(',', received);
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        received.Add(value);
        return Task.CompletedTask;
    }
}

/// <summary>Signals or cancels a workflow by id through an untyped external handle and reports what happened.</summary>
[Workflow]
public sealed class ExternalCallerWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string targetId, string action)
    {
        var target = Workflow.GetExternalWorkflowHandle(targetId);
        try
        {
            switch (action)
            {
                case "signal":
                    await target.SignalAsync("Go", []);
                    return $"signalled {target.Id}";
                case "cancel":
                    await target.CancelAsync();
                    return $"cancel requested of {target.Id}";
                default:
                    await target.SignalAsync("Go", [], new ExternalWorkflowSignalOptions { CancellationToken = new CancellationToken(canceled: true) });
                    return "sent despite a canceled token";
            }
        }
        catch (ApplicationFailureException e)
        {
            return $"{e.ErrorType}: {e.Message}";
        }
        catch (CanceledFailureException e)
        {
            return $"canceled: {e.Message}";
        }
    }
}

/// <summary>Waits until signalled ("Go") or canceled.</summary>
[Workflow]
public sealed class WaiterWorkflow
{
    private bool go;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.WaitConditionAsync(() => go);
        return "went";
    }

    [WorkflowSignal]
    public Task GoAsync()
    {
        go = true;
        return Task.CompletedTask;
    }
}

/// <summary>Counts "Go" signals until canceled.</summary>
[Workflow]
public sealed class SinkWorkflow
{
    private int count;

    [WorkflowQuery]
    public int Count => count;

    [WorkflowRun]
    public Task RunAsync() => Workflow.WaitConditionAsync(() => false);

    [WorkflowSignal]
    public Task GoAsync()
    {
        count++;
        return Task.CompletedTask;
    }
}

/// <summary>Signals a workflow and continues as new in the same workflow task; the next run signals it again.</summary>
[Workflow]
public sealed class SignalThenContinueWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string targetId, int iteration)
    {
        var target = Workflow.GetExternalWorkflowHandle<SinkWorkflow>(targetId);
        if (iteration == 0)
        {
            _ = target.SignalAsync(wf => wf.GoAsync());
            throw Workflow.CreateContinueAsNewException((SignalThenContinueWorkflow wf) => wf.RunAsync(targetId, 1));
        }

        await target.SignalAsync(wf => wf.GoAsync());
        return "done";
    }
}

/// <summary>Starts a <see cref="WaiterWorkflow"/> child and cancels it through its token.</summary>
[Workflow]
public sealed class CancelChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var cancel = new CancellationTokenSource();
        var child = await Workflow.StartChildWorkflowAsync(
            (WaiterWorkflow wf) => wf.RunAsync(), new ChildWorkflowOptions { Id = $"{Workflow.Info.WorkflowId}/waiter", CancellationToken = cancel.Token });
        // Cancel, not CancelAsync: that runs the callbacks on the thread pool, outside the workflow scheduler.
        cancel.Cancel();
        try
        {
            return await child.GetResultAsync();
        }
        catch (ChildWorkflowFailureException e) when (e.InnerException is CanceledFailureException)
        {
            return "child canceled";
        }
    }
}
