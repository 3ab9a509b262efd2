using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Workflows;

namespace DurableDelivery.Workflows.Tests;

/// <summary>
/// Replays recorded histories of the project's workflows against the current code: an edit that is not replay-safe
/// (it would break every run in flight) fails here, in CI, instead of in production. Record new goldens with
/// <c>ddctl workflow show -w &lt;id&gt; -o json &gt; tests/DurableDelivery.Workflows.Tests/GoldenHistories/&lt;name&gt;.json</c>,
/// or refresh the delivery goldens with <c>DD_RECORD_GOLDEN=$PWD/tests/DurableDelivery.Workflows.Tests/GoldenHistories dotnet test tests/DurableDelivery.Workflows.Tests</c>
/// (only after an intended, replay-safe change: a golden that stops replaying means runs in flight would break).
/// </summary>
public sealed class GoldenHistoryReplayTests
{
    public static TheoryData<string> Goldens() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GoldenHistories"), "*.json").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Goldens))]
    public void GoldenHistory_ReplaysAgainstCurrentCode(string file)
    {
        var history = WorkflowHistory.FromJson(file, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GoldenHistories", file)));
        // Complete runs, or long-lived entity runs (env/<name>) recorded while waiting between workflow tasks (after the
        // last task's commands, e.g. the timer of the next health check).
        IsBetweenWorkflowTasks(history).ShouldBeTrue($"{file} ends with {history.Events[^1].EventType}, in the middle of a workflow task");

        Replayer().ReplayWorkflow(history);
    }

    /// <summary>Whether a history ends complete, or after a workflow task's completion and its commands (nothing pending to process).</summary>
    /// <param name="history">The history.</param>
    /// <returns>True when the run is complete or waits between workflow tasks.</returns>
    internal static bool IsBetweenWorkflowTasks(WorkflowHistory history) =>
        history.Events[^1].EventType == EventType.WorkflowExecutionCompleted
        || history.Events.Reverse().SkipWhile(e => e.IsCommand).FirstOrDefault()?.EventType == EventType.WorkflowTaskCompleted;

    [Fact]
    public void EveryRegisteredWorkflow_HasAGoldenHistory()
    {
        var recorded = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GoldenHistories"), "*.json").Select(Path.GetFileName)
            .Select(f => f!)
            .Select(f => WorkflowHistory.FromJson(f, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GoldenHistories", f))))
            .Select(h => h.Events[0].Name)
            .ToHashSet(StringComparer.Ordinal);

        WorkflowRegistry.WorkflowTypes.Select(t => t.Name).Where(name => !recorded.Contains(name)).ShouldBeEmpty("every workflow needs a golden history, so a non-deterministic edit cannot reach CI unnoticed");
    }

    [Fact]
    public void GoldenHistory_WithAReorderedCommand_IsCaughtAsNondeterminism()
    {
        // Proves the replayer can fail: swap the activity for a timer in the recorded history.
        var history = WorkflowHistory.FromJson("x", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GoldenHistories", "approval-workflow.json")));
        var tampered = history with
        {
            Events = [.. history.Events.Select(e => e.EventType == EventType.ActivityTaskScheduled ? e with { Name = "SomethingElse" } : e)],
        };

        var error = Should.Throw<NondeterminismException>(() => Replayer().ReplayWorkflow(tampered));

        error.Message.ShouldStartWith("Nondeterminism at event #3: history recorded #3 ActivityTaskScheduled(SomethingElse) but the workflow code produced ActivityTaskScheduled(CheckChange).");
    }

    private static WorkflowReplayer Replayer()
    {
        var replayer = new WorkflowReplayer();
        foreach (var type in WorkflowRegistry.WorkflowTypes)
        {
            replayer.AddWorkflow(type);
        }

        return replayer;
    }
}
