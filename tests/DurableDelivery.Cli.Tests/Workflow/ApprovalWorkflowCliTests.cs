using System.Text.Json.Nodes;
using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Samples;
using Temporalio.Api.Enums.V1;
using Temporalio.Common;
using Temporalio.Activities;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>
/// The acceptance tests: the sample workflow driven only through the built ddctl (a child process) against the data
/// dir's embedded Temporal server, with a Temporal worker hosting the workflow in this test process.
/// </summary>
/// <remarks>
/// The worker is the SDK's, not <c>ddctl worker run</c>, so that these tests check the workflow commands alone; the
/// worker command has tests of its own.
/// </remarks>
public sealed class ApprovalWorkflowCliTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ApprovalWorkflow_DrivenOnlyThroughDdctl_RunsToCompletion()
    {
        using var dir = new TempDataDir();
        string[] store = ["--data-dir", dir.Path, "--output", "json"];
        const string Id = "approval/pr-42";
        await WithWorkerAsync(dir, "default", async () =>
        {
            var started = (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", Id, "--input", """{"change": "pr-42", "bakeSeconds": 1}""", .. store])).OkJson();
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
            var before = await ShowJsonAsync(Id, dir);
            var rejected = await Ddctl.RunAsync(["workflow", "update", "-w", Id, "--name", "setRequiredApprovals", "--input", "0", .. store]);
            rejected.ExitCode.ShouldBe(1, rejected.ToString());
            rejected.Stderr.ShouldBe("error: Update 'setRequiredApprovals' was rejected: requiredApprovals must be between 1 and 10, got 0\n");
            rejected.Stdout.ShouldBeEmpty();
            (await ShowJsonAsync(Id, dir)).ShouldBe(before);

            // 'update execute' is the temporal CLI's name; the same --update-id again returns the first outcome, applied once.
            string[] raise = ["workflow", "update", "execute", "-w", Id, "--name", "setRequiredApprovals", "--input", "2", "--update-id", "approvals-to-2", .. store];
            var accepted = (await Ddctl.RunAsync(raise)).OkJson();
            accepted["result"]!.GetValue<int>().ShouldBe(1, "the update returns the previous number");
            accepted["updateId"]!.GetValue<string>().ShouldBe("approvals-to-2");
            (await Ddctl.RunAsync(raise)).OkJson()["result"]!.GetValue<int>().ShouldBe(1, "the first outcome, not a second application (which would return 2)");
            (await QueryStatusAsync(Id, store))["requiredApprovals"]!.GetValue<int>().ShouldBe(2);

            var signaled = (await Ddctl.RunAsync(["workflow", "signal", "-w", Id, "--name", "approve", "--input", "\"alice\"", .. store])).OkJson();
            signaled["runId"]!.GetValue<string>().ShouldBe(runId);
            signaled["args"]!.ToJsonString().ShouldBe("""["alice"]""");
            var oneApproval = await Eventually.UntilAsync(
                () => QueryStatusAsync(Id, store), s => s["approvals"]!.AsArray().Count == 1, Deadline, "the first approval");
            oneApproval["phase"]!.GetValue<string>().ShouldBe("waiting-for-approvals", "two approvals are required now");

            var described = (await Ddctl.RunAsync(["workflow", "describe", "-w", Id, .. store])).OkJson();
            described["status"]!.GetValue<string>().ShouldBe("Running");
            described["workflowType"]!.GetValue<string>().ShouldBe("ApprovalWorkflow");
            described["taskQueue"]!.GetValue<string>().ShouldBe("default");
            described["stuck"]!.GetValue<bool>().ShouldBeFalse();
            described["pendingActivities"]!.AsArray().ShouldBeEmpty();
            described["closeTime"].ShouldBeNull();

            (await Ddctl.RunAsync(["workflow", "signal", "-w", Id, "--name", "approve", "--input-array", """[ "bob" ]""", .. store])).OkJson();
            var result = (await Ddctl.RunAsync(["workflow", "result", "-w", Id, .. store])).OkJson();
            result["status"]!.GetValue<string>().ShouldBe("Completed");
            result["runId"]!.GetValue<string>().ShouldBe(runId);
            result["result"]!.ToJsonString().ShouldBe("""{"change":"pr-42","check":"pr-42: checks passed","approvedBy":["alice","bob"],"bakedSeconds":1}""");

            var done = (await Ddctl.RunAsync(["workflow", "describe", "-w", Id, .. store])).OkJson();
            done["status"]!.GetValue<string>().ShouldBe("Completed");
            done["result"]!.ToJsonString().ShouldBe(result["result"]!.ToJsonString());
            done["failure"].ShouldBeNull();
            done["closeTime"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThanOrEqualTo(done["startTime"]!.GetValue<DateTimeOffset>());
            (await QueryStatusAsync(Id, store))["phase"]!.GetValue<string>().ShouldBe("done", "queries answer on closed workflows");

            var show = await Ddctl.RunAsync(["workflow", "show", "-w", Id, .. store]);
            show.ExitCode.ShouldBe(0, show.ToString());
            var history = WorkflowHistory.FromJson(Id, show.Stdout);
            var types = history.Events.Select(e => e.EventType).ToList();
            types[0].ShouldBe(EventType.WorkflowExecutionStarted);
            types.ShouldContain(EventType.ActivityTaskCompleted);
            types.ShouldContain(EventType.TimerFired);
            types.Count(t => t == EventType.WorkflowExecutionSignaled).ShouldBe(2);
            types.Count(t => t == EventType.WorkflowExecutionUpdateAccepted).ShouldBe(1, "the rejected update left no trace, the repeated one was not applied twice");
            types[^1].ShouldBe(EventType.WorkflowExecutionCompleted);

            // Arguments reach Temporal as the JSON typed, not re-serialized: spaces and all.
            var signals = history.Events.Where(e => e.EventType == EventType.WorkflowExecutionSignaled).Select(e => e.WorkflowExecutionSignaledEventAttributes.Input.Payloads_.Single()).ToList();
            signals.Select(p => p.Data.ToStringUtf8()).ShouldBe(["\"alice\"", "\"bob\""]);
            signals.ShouldAllBe(p => p.Metadata["encoding"].ToStringUtf8() == "json/plain");
            history.Events.First().WorkflowExecutionStartedEventAttributes.Input.Payloads_.Single().Data.ToStringUtf8().ShouldBe("""{"change": "pr-42", "bakeSeconds": 1}""");

            // The exported history is what the replayer reads: the workflow code replays it without nondeterminism.
            var replay = await new WorkflowReplayer(new WorkflowReplayerOptions { DataConverter = DeliveryDataConverter.Instance }.AddWorkflow<ApprovalWorkflow>())
                .ReplayWorkflowAsync(history);
            replay.ReplayFailure.ShouldBeNull();

            var table = await Ddctl.RunAsync("workflow", "show", "-w", Id, "--data-dir", dir.Path);
            table.ExitCode.ShouldBe(0, table.ToString());
            table.Stdout.ShouldContain("WorkflowExecutionSignaled");
            table.Stdout.ShouldContain("name=approve");
            table.Stdout.ShouldContain("updateId=approvals-to-2");

            var listed = (await Ddctl.RunAsync(["workflow", "list", .. store])).OkJson().AsArray();
            listed.Count.ShouldBe(1);
            listed[0]!["workflowId"]!.GetValue<string>().ShouldBe(Id);
            listed[0]!["runId"]!.GetValue<string>().ShouldBe(runId);
            listed[0]!["status"]!.GetValue<string>().ShouldBe("Completed");
            listed[0]!["historyLength"]!.GetValue<long>().ShouldBe(history.Events.Count);
        });
    }

    [Fact]
    public async Task List_VisibilityQueryAndShorthands_SelectRuns()
    {
        using var dir = new TempDataDir();
        string[] store = ["--data-dir", dir.Path, "-o", "json"];
        (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "approval/a", "--input", """{"change":"a"}""", .. store])).OkJson();
        (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "approval/b", "--input", """{"change":"b"}""", .. store])).OkJson();
        (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "other/c", "--input", """{"change":"c"}""", .. store])).OkJson();
        (await Ddctl.RunAsync(["workflow", "terminate", "-w", "approval/b", "--reason", "not needed", .. store])).OkJson();

        async Task<string[]> IdsAsync(params string[] filter) =>
            [.. (await Ddctl.RunAsync(["workflow", "list", .. filter, .. store])).OkJson().AsArray().Select(r => r!["workflowId"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

        (await IdsAsync()).ShouldBe(["approval/a", "approval/b", "other/c"]);
        (await IdsAsync("-q", "WorkflowType = 'ApprovalWorkflow' AND ExecutionStatus = 'Running'")).ShouldBe(["approval/a", "other/c"]);
        (await IdsAsync("--query", "ExecutionStatus = 'Terminated'")).ShouldBe(["approval/b"]);
        (await IdsAsync("--prefix", "approval/")).ShouldBe(["approval/a", "approval/b"]);
        (await IdsAsync("--prefix", "approval/", "--status", "Running")).ShouldBe(["approval/a"]);
        (await IdsAsync("-q", "WorkflowId = 'other/c' OR WorkflowId = 'approval/b'", "--status", "Running")).ShouldBe(["other/c"], "a shorthand is ANDed with the whole query");
        (await IdsAsync("--type", "DeliveryWorkflow")).ShouldBeEmpty();
        (await Ddctl.RunAsync(["workflow", "list", "--limit", "2", .. store])).OkJson().AsArray().Count.ShouldBe(2);

        var none = await Ddctl.RunAsync("workflow", "list", "--type", "DeliveryWorkflow", "--data-dir", dir.Path);
        none.ExitCode.ShouldBe(0, none.ToString());
        none.Stdout.ShouldBe("No workflows match WorkflowType = 'DeliveryWorkflow' in namespace default.\n");
    }

    [Fact]
    public async Task StartWait_OnAnotherTaskQueue_PrintsTheResultOnceTheWorkflowCompletes()
    {
        using var dir = new TempDataDir();
        string[] store = ["--data-dir", dir.Path, "-o", "json"];
        await WithWorkerAsync(dir, "approvals", async () =>
        {
            var run = Ddctl.RunAsync([
                "workflow", "start", "--type", "ApprovalWorkflow", "-w", "approval/wait", "-t", "approvals", "--input", """{"change":"pr-9"}""", "--wait", .. store]);
            await Eventually.UntilAsync(
                () => QueryStatusAsync("approval/wait", store, allowMissing: true), s => s?["phase"]?.GetValue<string>() == "waiting-for-approvals", Deadline, "the workflow to wait for approvals");
            run.IsCompleted.ShouldBeFalse("start --wait waits for the workflow to close");

            (await Ddctl.RunAsync(["workflow", "signal", "-w", "approval/wait", "--name", "approve", "--input", "\"carol\"", .. store])).OkJson();

            var started = (await run).OkJson();
            started["taskQueue"]!.GetValue<string>().ShouldBe("approvals");
            started["status"]!.GetValue<string>().ShouldBe("Completed");
            started["result"]!["approvedBy"]!.ToJsonString().ShouldBe("""["carol"]""");
        });
    }

    [Fact]
    public async Task Cancel_WithReason_RecordedAndResultExits4()
    {
        using var dir = new TempDataDir();
        string[] store = ["--data-dir", dir.Path, "-o", "json"];
        await WithWorkerAsync(dir, "default", async () =>
        {
            (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "approval/c", "--input", """{"change":"pr-3"}""", .. store])).OkJson();
            await Eventually.UntilAsync(
                () => QueryStatusAsync("approval/c", store), s => s["phase"]!.GetValue<string>() == "waiting-for-approvals", Deadline, "the workflow to wait for approvals");

            var canceled = (await Ddctl.RunAsync(["workflow", "cancel", "-w", "approval/c", "--reason", "superseded by pr-4", .. store])).OkJson();
            canceled["action"]!.GetValue<string>().ShouldBe("cancel");
            canceled["reason"]!.GetValue<string>().ShouldBe("superseded by pr-4");

            var result = await Ddctl.RunAsync("workflow", "result", "-w", "approval/c", "--data-dir", dir.Path);
            result.ExitCode.ShouldBe(4, result.ToString());
            result.Stderr.ShouldBe("error: workflow 'approval/c' was canceled.\n");
            result.Stdout.ShouldBeEmpty();

            var described = (await Ddctl.RunAsync(["workflow", "describe", "-w", "approval/c", .. store])).OkJson();
            described["status"]!.GetValue<string>().ShouldBe("Canceled");
            described["failure"]!["type"]!.GetValue<string>().ShouldBe("Canceled");

            var history = WorkflowHistory.FromJson("approval/c", (await Ddctl.RunAsync(["workflow", "show", "-w", "approval/c", .. store])).Stdout);
            history.Events.Single(e => e.EventType == EventType.WorkflowExecutionCancelRequested).WorkflowExecutionCancelRequestedEventAttributes.Cause.ShouldBe("superseded by pr-4");
        });
    }

    [Fact]
    public async Task Describe_StuckWorkflowTaskAndRetryingActivity_ShowsWhy()
    {
        using var dir = new TempDataDir();
        string[] store = ["--data-dir", dir.Path, "-o", "json"];
        var client = await dir.ConnectAsync();
        using var broken = new TemporalWorker(client, new TemporalWorkerOptions("broken").AddWorkflow<BrokenApprovalWorkflow>());
        using var flaky = new TemporalWorker(client, new TemporalWorkerOptions("flaky").AddWorkflow<ApprovalWorkflow>().AddAllActivities(new CiDownActivities()));
        await broken.ExecuteAsync(() => flaky.ExecuteAsync(async () =>
        {
            (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "approval/stuck", "-t", "broken", "--input", """{"change":"pr-5"}""", .. store])).OkJson();
            (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "approval/flaky", "-t", "flaky", "--input", """{"change":"pr-6"}""", .. store])).OkJson();

            var stuck = await Eventually.UntilAsync(
                async () => (await Ddctl.RunAsync(["workflow", "describe", "-w", "approval/stuck", .. store])).OkJson(),
                d => d["stuck"]!.GetValue<bool>(),
                Deadline,
                "the failing workflow task to be retried");
            stuck["status"]!.GetValue<string>().ShouldBe("Running");
            stuck["workflowTaskAttempt"]!.GetValue<int>().ShouldBeGreaterThan(1);
            stuck["lastWorkflowTaskFailure"]!.GetValue<string>().ShouldContain("the workflow code is broken");
            var table = await Ddctl.RunAsync("workflow", "describe", "-w", "approval/stuck", "--data-dir", dir.Path);
            table.ExitCode.ShouldBe(0, table.ToString());
            table.Stdout.ShouldContain("Stuck");
            table.Stdout.ShouldContain("the workflow code is broken");

            var retrying = await Eventually.UntilAsync(
                async () => (await Ddctl.RunAsync(["workflow", "describe", "-w", "approval/flaky", .. store])).OkJson(),
                d => d["pendingActivities"]!.AsArray() is [{ } a] && a["attempt"]!.GetValue<int>() > 1,
                Deadline,
                "the activity to be retried");
            retrying["stuck"]!.GetValue<bool>().ShouldBeFalse();
            var activity = retrying["pendingActivities"]![0]!;
            activity["activityType"]!.GetValue<string>().ShouldBe("CheckChange");
            activity["lastFailure"]!["message"]!.GetValue<string>().ShouldBe("CI is down");
        }));
    }

    /// <summary>Runs <paramref name="body"/> while a Temporal worker hosts the sample workflow on <paramref name="taskQueue"/> of the data dir's server.</summary>
    private static async Task WithWorkerAsync(TempDataDir dir, string taskQueue, Func<Task> body)
    {
        var client = await dir.ConnectAsync();
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue).AddWorkflow<ApprovalWorkflow>().AddAllActivities(new ApprovalActivities()));
        await worker.ExecuteAsync(body);
    }

    private static async Task<string> ShowJsonAsync(string id, TempDataDir dir)
    {
        var show = await Ddctl.RunAsync("workflow", "show", "-w", id, "--data-dir", dir.Path, "-o", "json");
        show.ExitCode.ShouldBe(0, show.ToString());
        return show.Stdout;
    }

    private static async Task<JsonNode> QueryStatusAsync(string id, string[] store) =>
        (await Ddctl.RunAsync(["workflow", "query", "-w", id, "--name", "status", .. store])).OkJson()["result"]!;

    private static async Task<JsonNode?> QueryStatusAsync(string id, string[] store, bool allowMissing)
    {
        var query = await Ddctl.RunAsync(["workflow", "query", "-w", id, "--name", "status", .. store]);
        return allowMissing && query.ExitCode == 2 ? null : query.OkJson()["result"];
    }

    /// <summary>Registered as ApprovalWorkflow: its code throws a non-Temporal exception, so its workflow task fails and is retried (a stuck run).</summary>
    [Workflow("ApprovalWorkflow")]
    public sealed class BrokenApprovalWorkflow
    {
        [WorkflowRun]
        public Task<ApprovalResult> RunAsync(ApprovalInput input) => throw new InvalidOperationException($"the workflow code is broken ({input.Change})");
    }

    /// <summary>The sample's CheckChange activity, failing as if CI were down (retryable: Temporal retries it).</summary>
    public sealed class CiDownActivities
    {
        [Activity("CheckChange")]
        public Task<string> CheckChangeAsync(string change) => throw new ApplicationFailureException("CI is down", "CiDown");
    }
}
