using DurableDelivery.CrashWorker.Workflows;

namespace DurableDelivery.Engine.CrashTests.Support;

/// <summary>How many workflows of each shape a scenario starts.</summary>
/// <param name="Sequential">Three sequential activities.</param>
/// <param name="Timer">Activity, durable timer, activity.</param>
/// <param name="Signal">Activity, wait for the scenario's signals, activity.</param>
/// <param name="Flaky">An activity that fails <see cref="FlakyWorkflow.Failures"/> times before it succeeds, then an activity.</param>
/// <param name="Parent">Activity, child workflow with one activity, activity.</param>
/// <param name="Loop">One activity per run, continued as new for <see cref="LoopRuns"/> runs.</param>
/// <param name="Parallel">Three activities at once, then one more.</param>
/// <param name="Relay">Activity, a child signalled <see cref="RelayWorkflow.Messages"/> times that signals back each time (workflow-to-workflow signals), activity.</param>
internal sealed record WorkflowMix(int Sequential, int Timer, int Signal, int Flaky, int Parent, int Loop, int Parallel, int Relay = 0)
{
    /// <summary>The number of runs of each loop workflow.</summary>
    public const int LoopRuns = 3;

    /// <summary>The timer of each timer workflow.</summary>
    public const int TimerMs = 150;

    /// <summary>
    /// Every shape, with enough flaky workflows that even the retry crash points are passed 7 times
    /// (4 workflows x 2 retries).
    /// </summary>
    public static WorkflowMix Small { get; } = new(Sequential: 2, Timer: 1, Signal: 2, Flaky: 4, Parent: 1, Loop: 1, Parallel: 2, Relay: 1);

    /// <summary>Gets the number of top-level workflows.</summary>
    public int Count => Sequential + Timer + Signal + Flaky + Parent + Loop + Parallel + Relay;
}

/// <summary>
/// A workflow the scenario started: its exact expected result, the activities it must run, and the signals that workflows
/// (it or its children, by workflow id) must have received, each exactly once and in this order.
/// </summary>
internal sealed record ExpectedWorkflow(string WorkflowId, string Shape, string Result, IReadOnlyList<ExpectedActivity> Activities)
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Signals { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}

/// <summary>An activity a workflow (or its child) must run, identified by workflow id and step, and how many executions it takes without crashes.</summary>
internal sealed record ExpectedActivity(string WorkflowId, string Step, int Executions);
