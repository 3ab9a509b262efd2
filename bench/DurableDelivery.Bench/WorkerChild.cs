using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Worker;

namespace DurableDelivery.Bench;

/// <summary>
/// The child-process mode <c>DurableDelivery.Bench worker &lt;dataDir&gt; hold|resume [expectedHolds]</c>: a worker for
/// <see cref="HoldWorkflow"/>. In <c>hold</c> mode every HoldAsync blocks (and "holding N" is printed once N are in flight)
/// until the parent SIGKILLs the process; in <c>resume</c> mode HoldAsync returns at once. Prints "ready" once the worker runs.
/// </summary>
internal static class WorkerChild
{
    /// <summary>Hold mode runs every workflow's HoldAsync at once, so its worker may run more activities than the default.</summary>
    public const int HoldModeMaxActivities = 5000;

    public static async Task<int> RunAsync(string dataDir, string mode, int expectedHolds)
    {
        var hold = mode == "hold";
        await using var client = DurableClient.Open(dataDir);
        var options = new DurableWorkerOptions(BenchWorkflows.TaskQueue)
            .AddWorkflow<HoldWorkflow>()
            .AddAllActivities(new BenchActivities(hold, expectedHolds));
        if (hold)
        {
            options.MaxConcurrentActivities = HoldModeMaxActivities;
        }

        var worker = new DurableWorker(client, options);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        var run = worker.ExecuteAsync(stop.Token);
        Console.Out.WriteLine($"ready pid={Environment.ProcessId}");
        Console.Out.Flush();
        await run.ConfigureAwait(false);
        return 0;
    }
}
