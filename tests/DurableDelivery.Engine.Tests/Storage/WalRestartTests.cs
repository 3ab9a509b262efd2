using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage.Sqlite;
using DurableDelivery.Engine.Tests.Support;
using DurableDelivery.Engine.Worker;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// Under steady load the WAL must start over now and then, or it grows for as long as the load lasts: SQLite restarts
/// it only when a write transaction begins with every frame copied and no reader in it, which a commit every
/// millisecond and reads in flight never allow (405 MB of WAL after a 5 s benchmark run, for a 12 MB database). The
/// checkpointer asks the writer to restart it past <see cref="SqliteCheckpointer.RestartFrames"/> frames.
/// </summary>
public sealed class WalRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int Workflows = 3_000;
    private const int InFlight = 50;
    private const int RestartFrames = 512;
    private const int MaxFrames = 20_000;

    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-wal-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task SteadyWritesAndReads_TheWriterRestartsTheWal_ItStaysBounded()
    {
        // 512 frames (2 MiB) instead of 16,384, so a test-sized load crosses it many times: the writer restarts the WAL
        // (4-13 times per run here; never without the mechanism, where only SQLite's own rare restart happens). The largest
        // WAL the checkpointer saw stays bounded: about 5,000 frames when this test runs alone, up to 13,000 under parallel
        // test runs (a reader that stays over 50 ms makes a restart wait for the next checkpoint); 20,000 frames (80 MiB)
        // is the bound, against some 75,000 frames (about 100 KiB per workflow) if the WAL never started over.
        long walBytes;
        long restarts;
        int maxFrames;
        await using (var client = DurableClient.Open(dir))
        {
            var store = (SqliteWorkflowStore)client.Store;
            store.Checkpointer.RestartFrames = RestartFrames;
            var acts = new CountingActivities();
            var worker = new DurableWorker(client, new DurableWorkerOptions("wal").AddWorkflow<ThreeGreetingsWorkflow>().AddAllActivities(acts));
            using var stop = new CancellationTokenSource();
            var running = worker.ExecuteAsync(stop.Token);

            // A reader that is always in the middle of something, as a UI or `ddctl workflow list` polling would be.
            var reading = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await foreach (var _ in client.ListWorkflowsAsync(new WorkflowListFilter { Limit = 20 }))
                    {
                    }
                }
            });

            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
            {
                int n;
                while ((n = Interlocked.Increment(ref next)) <= Workflows)
                {
                    (await client.ExecuteWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync($"w{n}"), new WorkflowOptions($"wal/{n}", "wal"))).ShouldBe($"Hello, w{n}1|Hello, w{n}2|Hello, w{n}3");
                }
            }));

            walBytes = new FileInfo(store.Location + "-wal").Length;
            restarts = store.Writer.WalRestarts;
            maxFrames = store.Checkpointer.MaxWalFrames;
            await stop.CancelAsync();
            await running;
            await reading;
            acts.GreetCalls.ShouldBe(3 * Workflows);
        }

        output.WriteLine($"{Workflows} workflows, {InFlight} in flight, a reader always busy: the writer restarted the WAL {restarts} times; largest WAL seen {maxFrames} frames; file at the end {walBytes / 1024.0 / 1024.0:0.0} MiB");
        restarts.ShouldBeGreaterThan(0);
        maxFrames.ShouldBeLessThan(MaxFrames, $"{restarts} restarts");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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
