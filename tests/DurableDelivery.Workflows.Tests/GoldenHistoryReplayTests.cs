using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Samples;
using DurableDelivery.Workflows.Tests.Support;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace DurableDelivery.Workflows.Tests;

/// <summary>
/// Replays recorded histories of the project's workflows (Temporal's JSON history format) in Temporalio's
/// <see cref="WorkflowReplayer"/> against the current code: an edit that is not replay-safe (it would break every run in
/// flight) fails here, in CI, instead of in production. Refresh the goldens with
/// <c>DD_RECORD_GOLDEN=$PWD/tests/DurableDelivery.Workflows.Tests/GoldenHistories dotnet test tests/DurableDelivery.Workflows.Tests</c>
/// (only after an intended, replay-safe change: a golden that stops replaying means runs in flight would break), or
/// export one with <c>temporal workflow show -w &lt;id&gt; -o json</c>.
/// </summary>
public sealed class GoldenHistoryReplayTests
{
    private static string GoldenPath(string file) => Path.Combine(AppContext.BaseDirectory, "GoldenHistories", file);

    public static TheoryData<string> Goldens() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GoldenHistories"), "*.json").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    private static WorkflowHistory Load(string file) => WorkflowHistory.FromJson(file, File.ReadAllText(GoldenPath(file)));

    [Theory]
    [MemberData(nameof(Goldens))]
    public async Task GoldenHistory_ReplaysAgainstCurrentCode(string file)
    {
        var history = Load(file);
        // Complete runs, or long-lived entity runs (env/<name>) recorded while waiting between workflow tasks (after the
        // last task's commands, e.g. the timer of the next health check).
        IsBetweenWorkflowTasks(history).ShouldBeTrue($"{file} ends with {history.Events.Last().EventType}, in the middle of a workflow task");

        await Replayer().ReplayWorkflowAsync(history);
    }

    /// <summary>Whether a history ends closed, or with its last workflow task completed (nothing pending to process).</summary>
    /// <param name="history">The history.</param>
    /// <returns>True when the run is closed or waits between workflow tasks.</returns>
    internal static bool IsBetweenWorkflowTasks(WorkflowHistory history) =>
        history.Events.Last().EventType is EventType.WorkflowExecutionCompleted or EventType.WorkflowExecutionFailed
            or EventType.WorkflowExecutionContinuedAsNew
        || history.Events.LastOrDefault(e => e.EventType is EventType.WorkflowTaskScheduled or EventType.WorkflowTaskStarted
            or EventType.WorkflowTaskCompleted or EventType.WorkflowTaskFailed or EventType.WorkflowTaskTimedOut)?.EventType
            == EventType.WorkflowTaskCompleted;

    [Fact]
    public void EveryRegisteredWorkflow_HasAGoldenHistory()
    {
        var recorded = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "GoldenHistories"), "*.json")
            .Select(f => Load(Path.GetFileName(f)))
            .Select(h => h.Events.First().WorkflowExecutionStartedEventAttributes.WorkflowType.Name)
            .ToHashSet(StringComparer.Ordinal);

        WorkflowRegistry.WorkflowTypes.Select(t => t.Name).Where(name => !recorded.Contains(name)).ShouldBeEmpty("every workflow needs a golden history, so a non-deterministic edit cannot reach CI unnoticed");
    }

    [Fact]
    public async Task GoldenHistory_WithAReorderedCommand_IsCaughtAsNondeterminism()
    {
        // Proves the replayer can fail: the recorded activity is renamed, so the code's command no longer matches.
        var history = Load("approval-workflow.json");
        foreach (var e in history.Events.Where(e => e.EventType == EventType.ActivityTaskScheduled))
        {
            e.ActivityTaskScheduledEventAttributes.ActivityType.Name = "SomethingElse";
        }

        var error = await Should.ThrowAsync<WorkflowNondeterminismException>(() => Replayer().ReplayWorkflowAsync(history));

        error.Message.ShouldContain("SomethingElse");
    }

    /// <summary>Runs the sample approval workflow to its end and records its golden (when DD_RECORD_GOLDEN is set).</summary>
    [Fact]
    public async Task ApprovalWorkflow_RunsToItsEnd_AndItsHistoryReplays()
    {
        await using var env = await TestTemporal.StartAsync();
        using var worker = new TemporalWorker(env.Client, new TemporalWorkerOptions("approval")
            .AddWorkflow<ApprovalWorkflow>().AddAllActivities(new ApprovalActivities()));
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync(
                (ApprovalWorkflow wf) => wf.RunAsync(new ApprovalInput("pr-42", BakeSeconds: 60, RequiredApprovals: 2)),
                new WorkflowOptions(id: "approval/pr-42", taskQueue: "approval"));
            await handle.SignalAsync(wf => wf.ApproveAsync("alice"));
            await handle.SignalAsync(wf => wf.ApproveAsync("bob"));
            var result = await handle.GetResultAsync().WaitAsync(TimeSpan.FromSeconds(30));
            result.ApprovedBy.ShouldBe(["alice", "bob"]);
            result.BakedSeconds.ShouldBe(60);
            var history = await handle.FetchHistoryAsync();
            await Replayer().ReplayWorkflowAsync(history);
            if (Environment.GetEnvironmentVariable("DD_RECORD_GOLDEN") is { Length: > 0 } dir)
            {
                await File.WriteAllTextAsync(Path.Combine(dir, "approval-workflow.json"), history.ToJson());
            }
        });
    }

    private static WorkflowReplayer Replayer()
    {
        var options = new WorkflowReplayerOptions { DataConverter = DeliveryDataConverter.Instance };
        foreach (var type in WorkflowRegistry.WorkflowTypes)
        {
            options.AddWorkflow(type);
        }

        return new WorkflowReplayer(options);
    }
}
