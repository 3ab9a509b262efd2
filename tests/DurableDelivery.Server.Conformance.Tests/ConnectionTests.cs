using DurableDelivery.Server.Conformance.Tests.Support;
using DurableDelivery.Server.Conformance.Tests.Workflows;

namespace DurableDelivery.Server.Conformance.Tests;

/// <summary>How the server treats one client connection carrying many calls.</summary>
public class ConnectionTests
{
    /// <summary>
    /// The SDK multiplexes every call of a client (its worker's polls included) on one HTTP/2 connection. Temporal's
    /// frontend (grpc-go) sets no limit on concurrent streams; with one (Kestrel's default is 100; this server had 1,000),
    /// the worker's polls and the signal queue up behind the result long polls until those expire 20 s later.
    /// </summary>
    [ConformanceFact]
    public async Task ManyResultLongPollsOnTheConnection_DoNotHoldBackTheWorkersPollsOrASignal()
    {
        await using var env = await ServerEnvironment.StartAsync();
        var queue = ServerEnvironment.NewTaskQueue("streams");
        using var worker = env.NewWorker(queue, o => o.AddWorkflow<SignalCollectorWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var handle = await env.Client.StartWorkflowAsync((SignalCollectorWorkflow wf) => wf.RunAsync(1),
                new(id: $"wf-{queue}", taskQueue: queue));
            const int polls = 1_200;
            var results = Enumerable.Range(0, polls).Select(_ => handle.GetResultAsync()).ToList();
            await Eventually.HoldsAsync(() => env.Server.WaitingHistoryPolls >= polls, TimeSpan.FromSeconds(30),
                () => $"{env.Server.WaitingHistoryPolls} of {polls} result long polls reached the server");

            await handle.SignalAsync(wf => wf.AddAsync("through")).WaitAsync(TimeSpan.FromSeconds(10));
            var all = await Task.WhenAll(results).WaitAsync(TimeSpan.FromSeconds(10));
            all.ShouldAllBe(r => r.SequenceEqual(new[] { "through" }));
            await Replay.AssertReplaysAsync(handle, typeof(SignalCollectorWorkflow));
        });
    }
}
