using DurableDelivery.Engine.Activities;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Support;

public sealed record GreetingInput(string Name, int WaitMinutes);

/// <summary>Activities that count their executions so tests can prove what ran how often.</summary>
public sealed class CountingActivities
{
    private int greetCalls;
    private int flakyCalls;

    public int GreetCalls => greetCalls;

    public int FlakyCalls => flakyCalls;

    public List<string> HeartbeatDetailsSeen { get; } = [];

    [Activity]
    public Task<string> GreetAsync(string name)
    {
        Interlocked.Increment(ref greetCalls);
        return Task.FromResult($"Hello, {name}");
    }

    /// <summary>Fails <paramref name="failures"/> times, then succeeds; heartbeats its attempt number.</summary>
    [Activity]
    public Task<int> FlakyAsync(int failures)
    {
        var n = Interlocked.Increment(ref flakyCalls);
        var ctx = ActivityExecutionContext.Current;
        lock (HeartbeatDetailsSeen)
        {
            HeartbeatDetailsSeen.Add(ctx.Info.HeartbeatDetailsJson ?? "none");
        }

        ctx.Heartbeat(ctx.Info.Attempt);
        if (n <= failures)
        {
            throw new InvalidOperationException($"flaky failure {n}");
        }

        return Task.FromResult(ctx.Info.Attempt);
    }

    [Activity]
    public Task FailHardAsync() => throw new ApplicationFailureException("bad input", "BadInput", nonRetryable: true);

    [Activity]
    public async Task<string> WaitForCancelAsync()
    {
        var ctx = ActivityExecutionContext.Current;
        while (true)
        {
            ctx.Heartbeat();
            await Task.Delay(10, ctx.CancellationToken);
        }
    }
}

[Workflow]
public sealed class GreetingWorkflow
{
    private readonly List<string> approvals = [];
    private int limit = 1;
    private string status = "starting";

    [WorkflowQuery]
    public string Status => status;

    [WorkflowQuery]
    public IReadOnlyList<string> Approvals() => approvals;

    [WorkflowRun]
    public async Task<string> RunAsync(GreetingInput input)
    {
        var greeting = await Workflow.ExecuteActivityAsync((CountingActivities a) => a.GreetAsync(input.Name), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
        status = "waiting for approvals";
        await Workflow.WaitConditionAsync(() => approvals.Count >= limit);
        status = "baking";
        await Workflow.DelayAsync(TimeSpan.FromMinutes(input.WaitMinutes));
        status = "done";
        return $"{greeting} (approved by {string.Join(", ", approvals)} at {Workflow.UtcNow:HH:mm})";
    }

    [WorkflowSignal]
    public Task ApproveAsync(string who)
    {
        approvals.Add(who);
        return Task.CompletedTask;
    }

    [WorkflowUpdate]
    public Task<int> SetLimitAsync(int newLimit)
    {
        var old = limit;
        limit = newLimit;
        return Task.FromResult(old);
    }

    [WorkflowUpdateValidator(nameof(SetLimitAsync))]
    public void ValidateSetLimit(int newLimit)
    {
        if (newLimit < 1)
        {
            throw new ArgumentException($"limit must be at least 1, got {newLimit}");
        }
    }
}
