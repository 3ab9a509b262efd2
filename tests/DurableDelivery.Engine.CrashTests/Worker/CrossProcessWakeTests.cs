using System.Diagnostics;
using DurableDelivery.CrashWorker.Workflows;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.CrashTests.Support;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.CrashTests.Worker;

/// <summary>
/// A worker process and a client process on one store wake each other after each commit (Unix datagram sockets in the
/// data dir) instead of waiting for their next poll. Both poll only every 10 minutes here, so the workflow can finish
/// within the test's deadline only if the wake-ups cross the process boundary both ways: start and signals from the
/// client to the worker, the result from the worker to the client.
/// </summary>
public sealed class CrossProcessWakeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NoPolling = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task WorkerProcess_WithoutPolling_IsWokenByClientWrites_AndWakesTheClientWithTheResult()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dd-wake-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var worker = CrashWorkerProcess.Start(dir, pollInterval: NoPolling);
            await worker.WaitReadyOrExitAsync(TimeSpan.FromSeconds(60));
            worker.HasExited.ShouldBeFalse($"the worker exited: {worker.Output}");

            await using var client = DurableClient.Open(dir, new DurableClientOptions { PollInterval = NoPolling });
            var watch = Stopwatch.StartNew();
            var rounds = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                var started = watch.Elapsed;
                var handle = await client.StartWorkflowAsync((SignalWorkflow wf) => wf.RunAsync(2), new WorkflowOptions($"wake-{i}", Steps.TaskQueue));
                await handle.SignalAsync(wf => wf.AddAsync("a"));
                await handle.SignalAsync(wf => wf.AddAsync("b"));
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var result = await handle.GetResultAsync<string>(deadline.Token);
                result.ShouldBe("<before>+[a,b]+<after>");
                rounds.Add((watch.Elapsed - started).TotalMilliseconds);
            }

            output.WriteLine($"3 workflows (start, 2 signals, 2 activities, result) across processes with 10 min polling: {string.Join(", ", rounds.Select(r => $"{r:0} ms"))}");
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean up.
            }
        }
    }
}
