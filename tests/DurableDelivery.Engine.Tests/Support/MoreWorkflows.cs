using DurableDelivery.Engine.Activities;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Tests.Support;

[Workflow]
public sealed class RetryWorkflow
{
    [WorkflowRun]
    public Task<int> RunAsync(int failures) => Workflow.ExecuteActivityAsync(
        (CountingActivities a) => a.FlakyAsync(failures),
        new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1), RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumAttempts = 5 } });
}

[Workflow]
public sealed class NonRetryableWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => Workflow.ExecuteActivityAsync((CountingActivities a) => a.FailHardAsync(), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
}

[Workflow]
public sealed class CancellableWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.ExecuteActivityAsync(
                (CountingActivities a) => a.WaitForCancelAsync(),
                new ActivityOptions { StartToCloseTimeout = TimeSpan.FromHours(1), HeartbeatTimeout = TimeSpan.FromSeconds(2), CancellationType = ActivityCancellationType.WaitCancellationCompleted });
            return "finished";
        }
        catch (Exceptions.ActivityFailureException e) when (e.InnerException is Exceptions.CanceledFailureException)
        {
            // Clean-up runs on a fresh token, as in Temporal.
            await Workflow.ExecuteActivityAsync((CountingActivities a) => a.GreetAsync("cleanup"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1), CancellationToken = CancellationToken.None });
            throw;
        }
    }
}

[Workflow]
public sealed class CounterWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int iteration, int stopAt)
    {
        await Workflow.DelayAsync(TimeSpan.FromSeconds(10));
        if (iteration < stopAt)
        {
            throw Workflow.CreateContinueAsNewException((CounterWorkflow wf) => wf.RunAsync(iteration + 1, stopAt));
        }

        return iteration;
    }
}

[Workflow]
public sealed class ParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var child = await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow c) => c.RunAsync(name), new ChildWorkflowOptions { Id = $"child/{name}" });
        return "parent got: " + child;
    }
}

[Workflow]
public sealed class ChildWorkflow
{
    [WorkflowRun]
    public Task<string> RunAsync(string name) => Workflow.ExecuteActivityAsync((CountingActivities a) => a.GreetAsync(name), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
}

[Workflow]
public sealed class ConditionTimeoutWorkflow
{
    private bool go;

    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var first = await Workflow.WaitConditionAsync(() => go, TimeSpan.FromMinutes(5));
        var second = await Workflow.WaitConditionAsync(() => go, TimeSpan.FromMinutes(5));
        return $"{first},{second}";
    }

    [WorkflowSignal]
    public Task GoAsync()
    {
        go = true;
        return Task.CompletedTask;
    }
}

/// <summary>Escapes the scheduler on purpose, to prove the engine catches it.</summary>
[Workflow]
public sealed class EscapingWorkflow
{
    [WorkflowRun]
    public async Task RunAsync()
    {
#pragma warning disable RS0030 // the point of this test workflow
        await Task.Run(() => { });
#pragma warning restore RS0030
    }
}

/// <summary>Throws a plain exception: the workflow task fails and retries, the workflow does not fail.</summary>
[Workflow]
public sealed class BuggyWorkflow
{
    [WorkflowRun]
    public Task RunAsync() => throw new InvalidOperationException("bug in workflow code");
}

[Workflow]
public sealed class RandomWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var before = $"{Workflow.Random.Next(1000)}-{Workflow.NewGuid()}";
        await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
        return before + "|" + Workflow.Random.Next(1000);
    }
}

[Workflow]
public sealed class ChattyWorkflow
{
    [WorkflowRun]
    public async Task<bool> RunAsync(int timers)
    {
        for (var i = 0; i < timers; i++)
        {
            if (Workflow.ContinueAsNewSuggested)
            {
                return true;
            }

            await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
        }

        return false;
    }
}

/// <summary>Two versions of one workflow, to test replay and patching.</summary>
public static class Versioned
{
    [Workflow("Versioned")]
    public sealed class V1
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            var a = await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync("one"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            await Workflow.DelayAsync(TimeSpan.FromMinutes(1));
            return a;
        }
    }

    /// <summary>An unsafe edit: a new activity before the old timer.</summary>
    [Workflow("Versioned")]
    public sealed class V2Unsafe
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            var a = await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync("one"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync("two"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            await Workflow.DelayAsync(TimeSpan.FromMinutes(1));
            return a;
        }
    }

    /// <summary>The same edit guarded by a patch: safe.</summary>
    [Workflow("Versioned")]
    public sealed class V2Patched
    {
        [WorkflowRun]
        public async Task<string> RunAsync()
        {
            var a = await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync("one"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            if (Workflow.Patched("second-greeting"))
            {
                await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync("two"), new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) });
            }

            await Workflow.DelayAsync(TimeSpan.FromMinutes(1));
            return a;
        }
    }
}

/// <summary>Three activities in sequence, as the benchmark's workflow: the unit of the store-cost test.</summary>
[Workflow]
public sealed class ThreeGreetingsWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name)
    {
        var options = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(1) };
        var a = await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync(name + "1"), options);
        var b = await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync(name + "2"), options);
        var c = await Workflow.ExecuteActivityAsync((CountingActivities x) => x.GreetAsync(name + "3"), options);
        return $"{a}|{b}|{c}";
    }
}
