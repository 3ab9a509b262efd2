using Temporalio.Activities;

namespace DurableDelivery.Server.ProcessWorker;

/// <summary>A step activity's input.</summary>
/// <param name="Step">The step number.</param>
/// <param name="Millis">How long the activity works.</param>
public sealed record StepInput(int Step, int Millis);

/// <summary>One execution (attempt) of a step activity, as its worker saw it begin.</summary>
/// <param name="WorkflowId">The workflow's id.</param>
/// <param name="ActivityId">The activity id (<c>step-i</c>).</param>
/// <param name="Attempt">The attempt the server gave.</param>
public sealed record StepExecution(string WorkflowId, string ActivityId, int Attempt)
{
    /// <summary>The key counting executions of one activity: workflow id and activity id.</summary>
    public string Key => $"{WorkflowId}/{ActivityId}";
}

/// <summary>The step activity: reports each execution to its worker's observer, then works for a while.</summary>
/// <param name="onStart">Called when an execution begins; the returned task delays (or blocks) the work.</param>
public sealed class StepActivities(Func<StepExecution, CancellationToken, Task> onStart)
{
    [Activity]
    public async Task<string> StepAsync(StepInput input)
    {
        var context = ActivityExecutionContext.Current;
        var info = context.Info;
        var workflowId = info.WorkflowId ?? throw new InvalidOperationException("a step runs in a workflow");
        await onStart(new StepExecution(workflowId, info.ActivityId, info.Attempt), context.CancellationToken);
        await Task.Delay(input.Millis, context.CancellationToken);
        return $"{info.ActivityId}@{info.Attempt}";
    }
}
