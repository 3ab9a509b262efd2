using System.Diagnostics;
using DurableDelivery.Cli.Tests.Support;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.History;

namespace DurableDelivery.Cli.Tests.Worker;

/// <summary>The CLI writes to the store; a worker in another process must react promptly.</summary>
public sealed class SignalLatencyTests
{
    [Fact]
    public async Task Signal_FromCliWhileWorkerRunsInAnotherProcess_ReachesWorkflowWithin5Seconds()
    {
        using var dir = new TempDataDir();
        await using var worker = await WorkerProcess.StartAsync(dir.Path);
        string[] store = ["--data-dir", dir.Path, "-o", "json"];
        (await Ddctl.RunAsync(["workflow", "start", "--type", "ApprovalWorkflow", "-w", "lat", "--input", """{"change":"pr-7","bakeSeconds":3600}""", .. store])).OkJson();
        await using var client = DurableClient.Open(dir.Path, create: false);
        var handle = client.GetWorkflowHandle("lat");
        await Eventually.UntilAsync(
            async () => (await handle.FetchHistoryAsync()).Events, e => e.Any(x => x.EventType == EventType.ActivityTaskCompleted) && e[^1].EventType == EventType.WorkflowTaskCompleted,
            TimeSpan.FromSeconds(20), "the workflow to wait for approvals");

        (await Ddctl.RunAsync(["workflow", "signal", "-w", "lat", "--name", "approve", "--input", "\"alice\"", .. store])).OkJson();
        var sent = Stopwatch.StartNew();
        var events = await Eventually.UntilAsync(
            async () => (await handle.FetchHistoryAsync()).Events, e => e.Any(x => x.EventType == EventType.TimerStarted),
            TimeSpan.FromSeconds(5), "the worker to apply the signal and start the bake timer");

        sent.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        events.Single(e => e.EventType == EventType.WorkflowExecutionSignaled).Payload.ShouldBe("""["alice"]""");
    }
}
