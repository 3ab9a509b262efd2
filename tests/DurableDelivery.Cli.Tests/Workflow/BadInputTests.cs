using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>
/// Bad input gets one line on stderr naming the problem and the fix, a distinct exit code, nothing on stdout, and leaves
/// every workflow's history on the server unchanged.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TempDataDir dir = new();
    private string w1RunId = string.Empty;

    public async Task InitializeAsync()
    {
        // One open run and no worker: nothing changes its history except the commands under test.
        var started = await Ddctl.RunAsync("workflow", "start", "--type", "ApprovalWorkflow", "-w", "w1", "--input", """{"change":"pr-1"}""", "--data-dir", dir.Path, "-o", "json");
        w1RunId = started.OkJson()["runId"]!.GetValue<string>();
    }

    public Task DisposeAsync()
    {
        dir.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(2, "error: Workflow 'nope' not found; list workflows with 'ddctl workflow list'.", "workflow", "signal", "-w", "nope", "--name", "approve", "--input", "\"a\"")]
    [InlineData(2, "error: Workflow 'nope' not found; list workflows with 'ddctl workflow list'.", "workflow", "describe", "-w", "nope")]
    [InlineData(2, "error: Workflow 'nope' not found; list workflows with 'ddctl workflow list'.", "workflow", "show", "-w", "nope")]
    [InlineData(2, "error: Workflow 'nope' not found; list workflows with 'ddctl workflow list'.", "workflow", "result", "-w", "nope")]
    [InlineData(2, "error: Workflow 'nope' not found; list workflows with 'ddctl workflow list'.", "workflow", "cancel", "-w", "nope")]
    [InlineData(2, "error: Workflow 'w1' has no run '0193a0f0-0000-7000-8000-000000000000'; list its runs with: ddctl workflow list --query \"WorkflowId = 'w1'\".", "workflow", "query", "-w", "w1", "-r", "0193a0f0-0000-7000-8000-000000000000", "--name", "status")]
    [InlineData(1, "error: workflow type 'ApprovalWorkflow' has no signal 'aprove'; known signal names: approve.", "workflow", "signal", "-w", "w1", "--name", "aprove", "--input", "\"a\"")]
    [InlineData(1, "error: workflow type 'ApprovalWorkflow' has no update 'nope'; known update names: setRequiredApprovals.", "workflow", "update", "-w", "w1", "--name", "nope", "--input", "1")]
    [InlineData(1, "error: workflow type 'ApprovalWorkflow' has no query 'nope'; known query names: status.", "workflow", "query", "-w", "w1", "--name", "nope")]
    [InlineData(1, "error: --input is not valid JSON ('b' is an invalid start of a property name): {bad; quote strings as JSON, e.g. --input '\"alice\"' or --input '{\"change\":\"pr-42\"}'.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "{bad")]
    [InlineData(1, "error: argument 1 (approver) of signal 'approve' does not fit string: The JSON value could not be converted to System.String; it takes (approver: string).", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "42")]
    [InlineData(1, "error: signal 'approve' takes 1 argument(s) (approver: string) but 2 were given; pass one --input per argument.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "\"a\"", "--input", "\"b\"")]
    [InlineData(1, "error: argument 1 (count) of update 'setRequiredApprovals' does not fit int: The JSON value could not be converted to System.Int32; it takes (count: int).", "workflow", "update", "-w", "w1", "--name", "setRequiredApprovals", "--input", "true")]
    [InlineData(1, "error: argument 1 (input) of workflow 'ApprovalWorkflow' does not fit ApprovalInput: The JSON property 'chnage' could not be mapped to any .NET member contained in type 'DurableDelivery.Workflows.Samples.ApprovalInput'; it takes (input: ApprovalInput).", "workflow", "start", "--type", "ApprovalWorkflow", "-w", "w2", "--input", "{\"chnage\":\"x\"}")]
    [InlineData(1, "error: workflow 'ApprovalWorkflow' takes 1 argument(s) (input: ApprovalInput) but 0 were given; pass one --input per argument.", "workflow", "start", "--type", "ApprovalWorkflow", "-w", "w2")]
    [InlineData(1, "error: unknown workflow type 'Nope'; known types: ApprovalWorkflow, DeliveryWorkflow, EnvironmentWorkflow.", "workflow", "start", "--type", "Nope", "-w", "w2")]
    [InlineData(1, "error: unknown option '-q' for 'ddctl workflow start'; see 'ddctl workflow start --help'.", "workflow", "start", "--type", "ApprovalWorkflow", "-w", "w2", "-q", "default", "--input", "{\"change\":\"pr-2\"}")]
    [InlineData(1, "error: --input and --input-array cannot be combined; pass each argument with --input, or all of them with --input-array.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "\"a\"", "--input-array", "[\"a\"]")]
    [InlineData(1, "error: --input-array must be a JSON array of arguments, got string; pass a single argument with --input instead.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input-array", "\"a\"")]
    [InlineData(1, "error: invalid query: unknown or unsupported search attribute name: Foo", "workflow", "list", "-q", "Foo = 'x'")]
    [InlineData(1, "error: --limit must be between 1 and 10000, got 0.", "workflow", "list", "--limit", "0")]
    [InlineData(1, "error: --timeout must be between 0 and 3600 seconds, got 0.", "workflow", "query", "-w", "w1", "--name", "status", "--timeout", "0")]
    [InlineData(1, "error: unknown option '--bogus' for 'ddctl workflow signal'; see 'ddctl workflow signal --help'.", "workflow", "signal", "-w", "w1", "--name", "approve", "--bogus")]
    [InlineData(1, "error: unknown command 'lis' for 'ddctl workflow'; commands: list, describe, show, start, signal, query, update, result, cancel, terminate; see 'ddctl workflow --help'.", "workflow", "lis")]
    [InlineData(1, "error: Option '--name' is required; see 'ddctl workflow signal --help'.", "workflow", "signal", "-w", "w1")]
    [InlineData(4, "error: no worker answered query 'status' within 1 s; is a worker polling task queue 'default' (ddctl worker run --task-queue default)?", "workflow", "query", "-w", "w1", "--name", "status", "--timeout", "1")]
    [InlineData(4, "error: no worker took update 'setRequiredApprovals' (id u-1) within 1 s; is a worker polling task queue 'default'? Nothing is in the workflow's history, but the server may still hand the update to the next worker: repeat with --update-id u-1 to get its outcome.", "workflow", "update", "-w", "w1", "--name", "setRequiredApprovals", "--input", "2", "--update-id", "u-1", "--timeout", "1")]
    public async Task Command_BadInput_OneLineErrorExitCodeAndHistoriesUnchanged(int exitCode, string error, params string[] args)
    {
        await Refusal.AssertAsync(dir.Path, exitCode, error, args);
    }

    [Fact]
    public async Task Start_IdOfAnOpenRun_Exit1NamingTheRun()
    {
        await Refusal.AssertAsync(
            dir.Path,
            1,
            $"error: workflow w1 is already running (run {w1RunId}); pick another --workflow-id, or see it with: ddctl workflow describe -w w1.",
            ["workflow", "start", "--type", "ApprovalWorkflow", "-w", "w1", "--input", """{"change":"pr-1"}"""]);
    }

    [Fact]
    public async Task Start_IdOfAClosedRunWithRejectDuplicate_Exit1NamingTheRunAndPolicy()
    {
        (await Ddctl.RunAsync("workflow", "terminate", "-w", "w1", "--data-dir", dir.Path, "-o", "json")).OkJson();

        await Refusal.AssertAsync(
            dir.Path,
            1,
            $"error: workflow w1 already ran (run {w1RunId}, Terminated) and --id-reuse-policy RejectDuplicate refuses another run with that id; pick another --workflow-id or another --id-reuse-policy.",
            ["workflow", "start", "--type", "ApprovalWorkflow", "-w", "w1", "--input", """{"change":"pr-1"}""", "--id-reuse-policy", "RejectDuplicate"]);
    }

    [Theory]
    [InlineData("signal", "--name", "approve", "--input", "\"a\"")]
    [InlineData("update", "--name", "setRequiredApprovals", "--input", "2")]
    [InlineData("cancel")]
    [InlineData("terminate")]
    public async Task ClosedWorkflow_SignalUpdateCancelTerminate_RejectedAndHistoryUnchanged(params string[] args)
    {
        var terminated = (await Ddctl.RunAsync("workflow", "terminate", "-w", "w1", "--reason", "test", "--data-dir", dir.Path, "-o", "json")).OkJson();
        terminated["reason"]!.GetValue<string>().ShouldBe("test");
        (await Ddctl.RunAsync("workflow", "describe", "-w", "w1", "--data-dir", dir.Path, "-o", "json")).OkJson()["status"]!.GetValue<string>().ShouldBe("Terminated");

        await Refusal.AssertAsync(
            dir.Path, 1, "error: Workflow 'w1' is closed (Terminated); signals, updates, cancel and terminate need an open run.", ["workflow", args[0], "-w", "w1", .. args[1..]]);
    }

    [Fact]
    public async Task Result_TerminatedWorkflow_Exit4WithTheReason()
    {
        (await Ddctl.RunAsync("workflow", "terminate", "-w", "w1", "--reason", "stuck on a bad deploy", "--data-dir", dir.Path, "-o", "json")).OkJson();

        await Refusal.AssertAsync(dir.Path, 4, "error: workflow 'w1' was terminated: stuck on a bad deploy.", ["workflow", "result", "-w", "w1"]);
        var described = (await Ddctl.RunAsync("workflow", "describe", "-w", "w1", "--data-dir", dir.Path, "-o", "json")).OkJson();
        described["failure"]!["message"]!.GetValue<string>().ShouldBe("stuck on a bad deploy");
        described["failure"]!["type"]!.GetValue<string>().ShouldBe("Terminated");
    }
}
