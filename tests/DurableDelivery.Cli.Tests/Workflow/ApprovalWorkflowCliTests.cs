using System.Text.Json.Nodes;
using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Engine.History;
using DurableDelivery.Engine.Worker;
using DurableDelivery.Workflows.Samples;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>The acceptance test: the sample workflow driven only through ddctl, with the worker in another process.</summary>
public sealed class ApprovalWorkflowCliTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ApprovalWorkflow_DrivenOnlyThroughDdctl_RunsToCompletion()
    {
        using var dir = new TempDataDir();
        await using var worker = await WorkerProcess.StartAsync(dir.Path);
        worker.ReadyLine.ShouldBe($"worker ready: task queue default, store {Path.Combine(dir.Path, "engine.db")}");
        string[] store = ["--data-dir", dir.Path, "--output", "json"];
        const string Id = "approval/pr-42";

        var started = (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", Id, "--input", """{"change":"pr-42","bakeSeconds":1}""", .. store])).OkJson();
        started["workflowId"]!.GetValue<string>().ShouldBe(Id);
        started["workflowType"]!.GetValue<string>().ShouldBe("ApprovalWorkflow");
        started["taskQueue"]!.GetValue<string>().ShouldBe("default");
        var runId = started["runId"]!.GetValue<string>();
        runId.ShouldNotBeNullOrEmpty();

        var waiting = await Eventually.UntilAsync(
            () => QueryStatusAsync(Id, store), s => s["phase"]!.GetValue<string>() == "waiting-for-approvals", Deadline, "the check activity");
        waiting["check"]!.GetValue<string>().ShouldBe("pr-42: checks passed");
        waiting["requiredApprovals"]!.GetValue<int>().ShouldBe(1);

        // A rejected update answers the caller and leaves no trace in history.
        var before = (await Ddctl.RunAsync(["workflow", "show", "-w", Id, .. store])).OkJson().ToJsonString();
        var rejected = await Ddctl.RunAsync(["workflow", "update", "-w", Id, "--name", "setRequiredApprovals", "--input", "0", .. store]);
        rejected.ExitCode.ShouldBe(1, rejected.ToString());
        rejected.Stderr.ShouldBe("error: Update 'setRequiredApprovals' was rejected: requiredApprovals must be between 1 and 10, got 0\n");
        rejected.Stdout.ShouldBeEmpty();
        (await Ddctl.RunAsync(["workflow", "show", "-w", Id, .. store])).OkJson().ToJsonString().ShouldBe(before);

        var accepted = (await Ddctl.RunAsync(["workflow", "update", "-w", Id, "--name", "setRequiredApprovals", "--input", "2", .. store])).OkJson();
        accepted["result"]!.GetValue<int>().ShouldBe(1, "the update returns the previous number");
        (await QueryStatusAsync(Id, store))["requiredApprovals"]!.GetValue<int>().ShouldBe(2);

        var signaled = (await Ddctl.RunAsync(["workflow", "signal", "-w", Id, "--name", "approve", "--input", "\"alice\"", .. store])).OkJson();
        signaled["runId"]!.GetValue<string>().ShouldBe(runId);
        var oneApproval = await Eventually.UntilAsync(
            () => QueryStatusAsync(Id, store), s => s["approvals"]!.AsArray().Count == 1, Deadline, "the first approval");
        oneApproval["phase"]!.GetValue<string>().ShouldBe("waiting-for-approvals", "two approvals are required now");

        var described = (await Ddctl.RunAsync(["workflow", "describe", "-w", Id, .. store])).OkJson();
        described["status"]!.GetValue<string>().ShouldBe("Running");
        described["stuck"]!.GetValue<bool>().ShouldBeFalse();
        described["pendingActivities"]!.AsArray().ShouldBeEmpty();

        (await Ddctl.RunAsync(["workflow", "signal", "-w", Id, "--name", "approve", "--input-array", """["bob"]""", .. store])).OkJson();
        var done = await Eventually.UntilAsync(
            async () => (await Ddctl.RunAsync(["workflow", "describe", "-w", Id, .. store])).OkJson(),
            d => d["status"]!.GetValue<string>() != "Running",
            Deadline,
            "completion after the bake timer");
        done["status"]!.GetValue<string>().ShouldBe("Completed");
        done["result"]!.ToJsonString().ShouldBe("""{"change":"pr-42","check":"pr-42: checks passed","approvedBy":["alice","bob"],"bakedSeconds":1}""");
        done["failure"].ShouldBeNull();
        (await QueryStatusAsync(Id, store))["phase"]!.GetValue<string>().ShouldBe("done", "queries answer on closed workflows");

        var show = await Ddctl.RunAsync(["workflow", "show", "-w", Id, .. store]);
        show.ExitCode.ShouldBe(0, show.ToString());
        var history = WorkflowHistory.FromJson(Id, show.Stdout);
        var types = history.Events.Select(e => e.EventType).ToList();
        types[0].ShouldBe(EventType.WorkflowExecutionStarted);
        types.ShouldContain(EventType.ActivityTaskCompleted);
        types.ShouldContain(EventType.TimerFired);
        types.Count(t => t == EventType.WorkflowExecutionSignaled).ShouldBe(2);
        types.Count(t => t == EventType.WorkflowExecutionUpdateAccepted).ShouldBe(1, "the rejected update left no trace");
        types[^1].ShouldBe(EventType.WorkflowExecutionCompleted);
        new WorkflowReplayer().AddWorkflow<ApprovalWorkflow>().ReplayWorkflow(history);

        var table = await Ddctl.RunAsync("workflow", "show", "-w", Id, "--data-dir", dir.Path);
        table.ExitCode.ShouldBe(0, table.ToString());
        table.Stdout.ShouldContain("WorkflowExecutionSignaled");
        table.Stdout.ShouldContain("name=approve");

        var listed = (await Ddctl.RunAsync(["workflow", "list", .. store])).OkJson().AsArray();
        listed.Count.ShouldBe(1);
        listed[0]!["workflowId"]!.GetValue<string>().ShouldBe(Id);
        listed[0]!["status"]!.GetValue<string>().ShouldBe("Completed");
        listed[0]!["historyLength"]!.GetValue<long>().ShouldBe(history.Events.Count);

        (await worker.StopGracefullyAsync(TimeSpan.FromSeconds(15))).ShouldBe(0, worker.Stderr);
        worker.Stderr.ShouldContain("Worker on task queue default stopped");
        Directory.EnumerateFiles(Path.Combine(dir.Path, "logs"), "worker-*.log").ShouldHaveSingleItem();
    }

    private static async Task<JsonNode> QueryStatusAsync(string id, string[] store) =>
        (await Ddctl.RunAsync(["workflow", "query", "-w", id, "--name", "status", .. store])).OkJson()["result"]!;
}
