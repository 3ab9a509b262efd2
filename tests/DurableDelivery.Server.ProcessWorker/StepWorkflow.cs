using Temporalio.Common;
using Temporalio.Workflows;

namespace DurableDelivery.Server.ProcessWorker;

/// <summary>What a <see cref="StepWorkflow"/> does: steps of one activity and one timer each, then it waits for
/// Finish.</summary>
/// <param name="Steps">How many steps.</param>
/// <param name="ActivityMillis">How long each step's activity works.</param>
/// <param name="TimerMillis">The timer after each activity.</param>
/// <param name="ActivityTimeoutMillis">Each activity's start-to-close timeout (a lost attempt is retried after it).
/// </param>
public sealed record StepWorkflowInput(int Steps, int ActivityMillis, int TimerMillis, int ActivityTimeoutMillis);

/// <summary>A <see cref="StepWorkflow"/>'s result: each step's activity result, the signals and updates it saw.
/// </summary>
/// <param name="Steps">Each activity's result (<c>step-i@attempt</c>) in step order.</param>
/// <param name="Signals">The Add signals' values in arrival order.</param>
/// <param name="Updates">The Record updates' values in arrival order.</param>
public sealed record StepWorkflowResult(
    IReadOnlyList<string> Steps, IReadOnlyList<string> Signals, IReadOnlyList<string> Updates);

/// <summary>
/// Activities and timers in sequence while taking signals and updates; completes once the steps are done and Finish
/// was signalled. The activity of step i has the activity id <c>step-i</c>.
/// </summary>
[Workflow]
public class StepWorkflow
{
    private readonly List<string> signals = [];
    private readonly List<string> updates = [];
    private bool finish;

    /// <summary>
    /// Called (never while replaying) in the workflow task that resumes the workflow after step i's activity, with the
    /// workflow id and i. The child-process worker sets it to block that workflow task forever, as a hung worker would.
    /// </summary>
    public static Action<string, int>? AfterStepHook { get; set; }

    /// <summary>
    /// Called (never while replaying) when the Record update handler begins, with the workflow id and the value: the
    /// child-process worker sets it to block the workflow task that delivers one update.
    /// </summary>
    public static Action<string, string>? BeforeUpdateHook { get; set; }

    [WorkflowRun]
    public async Task<StepWorkflowResult> RunAsync(StepWorkflowInput input)
    {
        var results = new List<string>();
        for (var i = 0; i < input.Steps; i++)
        {
            var step = i;
            results.Add(await Workflow.ExecuteActivityAsync(
                (StepActivities a) => a.StepAsync(new StepInput(step, input.ActivityMillis)),
                new ActivityOptions
                {
                    ActivityId = $"step-{step}",
                    StartToCloseTimeout = TimeSpan.FromMilliseconds(input.ActivityTimeoutMillis),
                    RetryPolicy = new RetryPolicy
                    {
                        InitialInterval = TimeSpan.FromMilliseconds(100),
                        BackoffCoefficient = 1,
                        MaximumInterval = TimeSpan.FromMilliseconds(100),
                    },
                }));
            if (!Workflow.Unsafe.IsReplaying)
            {
                AfterStepHook?.Invoke(Workflow.Info.WorkflowId, step);
            }

            await Workflow.DelayAsync(TimeSpan.FromMilliseconds(input.TimerMillis));
        }

        await Workflow.WaitConditionAsync(() => finish);
        return new StepWorkflowResult(results, signals, updates);
    }

    [WorkflowSignal]
    public Task AddAsync(string value)
    {
        signals.Add(value);
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task FinishAsync()
    {
        finish = true;
        return Task.CompletedTask;
    }

    [WorkflowUpdate]
    public Task<int> RecordAsync(string value)
    {
        if (!Workflow.Unsafe.IsReplaying)
        {
            BeforeUpdateHook?.Invoke(Workflow.Info.WorkflowId, value);
        }

        updates.Add(value);
        return Task.FromResult(updates.Count);
    }
}
