using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Engine.Client;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>Bad input gets one line on stderr naming the problem and the fix, a distinct exit code, and leaves the store unchanged.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TempDataDir dir = new();

    public async Task InitializeAsync()
    {
        // A store with one open run and no worker: nothing changes it except the commands under test.
        await DurableClient.Open(dir.Path).DisposeAsync();
        (await Ddctl.RunAsync("workflow", "start", "--type", "ApprovalWorkflow", "-w", "w1", "--input", """{"change":"pr-1"}""", "--data-dir", dir.Path, "-o", "json")).OkJson();
    }

    public Task DisposeAsync()
    {
        dir.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(2, "error: Workflow 'nope' not found; list workflows with 'ddctl workflow list'.", "workflow", "signal", "-w", "nope", "--name", "approve", "--input", "\"a\"")]
    [InlineData(1, "error: workflow type 'ApprovalWorkflow' has no signal 'aprove'; known signal names: approve.", "workflow", "signal", "-w", "w1", "--name", "aprove", "--input", "\"a\"")]
    [InlineData(1, "error: workflow type 'ApprovalWorkflow' has no update 'nope'; known update names: setRequiredApprovals.", "workflow", "update", "-w", "w1", "--name", "nope", "--input", "1")]
    [InlineData(1, "error: workflow type 'ApprovalWorkflow' has no query 'nope'; known query names: status.", "workflow", "query", "-w", "w1", "--name", "nope")]
    [InlineData(1, "error: --input is not valid JSON ('b' is an invalid start of a property name): {bad; quote strings as JSON, e.g. --input '\"alice\"' or --input '{\"change\":\"pr-42\"}'.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "{bad")]
    [InlineData(1, "error: argument 1 (approver) of signal 'approve' does not fit string: The JSON value could not be converted to System.String; it takes (approver: string).", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "42")]
    [InlineData(1, "error: signal 'approve' takes 1 argument(s) (approver: string) but 2 were given; pass one --input per argument.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "\"a\"", "--input", "\"b\"")]
    [InlineData(1, "error: argument 1 (input) of workflow 'ApprovalWorkflow' does not fit ApprovalInput: The JSON property 'chnage' could not be mapped to any .NET member contained in type 'DurableDelivery.Workflows.Samples.ApprovalInput'; it takes (input: ApprovalInput).", "workflow", "start", "--type", "ApprovalWorkflow", "-w", "w2", "--input", "{\"chnage\":\"x\"}")]
    [InlineData(1, "error: unknown workflow type 'Nope'; known types: ApprovalWorkflow, DeliveryWorkflow, EnvironmentWorkflow.", "workflow", "start", "--type", "Nope", "-w", "w2")]
    [InlineData(1, "error: --input and --input-array cannot be combined; pass each argument with --input, or all of them with --input-array.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input", "\"a\"", "--input-array", "[\"a\"]")]
    [InlineData(1, "error: --input-array must be a JSON array of arguments, got string; pass a single argument with --input instead.", "workflow", "signal", "-w", "w1", "--name", "approve", "--input-array", "\"a\"")]
    [InlineData(1, "error: unknown option '--bogus' for 'ddctl workflow signal'; see 'ddctl workflow signal --help'.", "workflow", "signal", "-w", "w1", "--name", "approve", "--bogus")]
    [InlineData(1, "error: unknown command 'lis' for 'ddctl workflow'; commands: list, describe, show, start, signal, query, update, cancel, terminate; see 'ddctl workflow --help'.", "workflow", "lis")]
    [InlineData(1, "error: Option '--name' is required; see 'ddctl workflow signal --help'.", "workflow", "signal", "-w", "w1")]
    public async Task Command_BadInput_OneLineErrorExitCodeAndStoreUnchanged(int exitCode, string error, params string[] args)
    {
        await Refusal.AssertAsync(dir.Path, exitCode, error, args);
    }

    [Fact]
    public async Task Signal_TerminatedWorkflow_RejectedAndHistoryUnchanged()
    {
        var terminated = (await Ddctl.RunAsync("workflow", "terminate", "-w", "w1", "--reason", "test", "--data-dir", dir.Path, "-o", "json")).OkJson();
        terminated["reason"]!.GetValue<string>().ShouldBe("test");
        (await Ddctl.RunAsync("workflow", "describe", "-w", "w1", "--data-dir", dir.Path, "-o", "json")).OkJson()["status"]!.GetValue<string>().ShouldBe("Terminated");
        var before = await StoreSnapshot.TakeAsync(dir.Path);

        var result = await Ddctl.RunAsync("workflow", "signal", "-w", "w1", "--name", "approve", "--input", "\"a\"", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Stderr.ShouldBe("error: Workflow 'w1' is closed (Terminated); signals, updates and cancellation need an open run.\n");
        (await StoreSnapshot.TakeAsync(dir.Path)).ShouldBe(before);
    }
}
