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
    private const int Workflows = 1_500;
    private const int InFlight = 50;
    private const long WalLimitBytes = 32L * 1024 * 1024;

    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-wal-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task SteadyWritesAndReads_TheWriterRestartsTheWal_ItsFileStaysSmall()
    {
        // 2 MiB of frames instead of 64 MiB, so a test-sized load crosses it many times; about 100 KiB of WAL per workflow
        // here, so 1,500 workflows without a restart would leave some 150 MB.
        long walBytes;
        long restarts;
        await using (var client = DurableClient.Open(dir))
        {
            var store = (SqliteWorkflowStore)client.Store;
            store.Checkpointer.RestartFrames = 512;
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
            await stop.CancelAsync();
            await running;
            await reading;
            acts.GreetCalls.ShouldBe(3 * Workflows);
        }

        output.WriteLine($"{Workflows} workflows, {InFlight} in flight, a reader always busy: the writer restarted the WAL {restarts} times; WAL file at the end {walBytes / 1024.0 / 1024.0:0.0} MiB");
        restarts.ShouldBeGreaterThan(0);
        walBytes.ShouldBeLessThan(WalLimitBytes);
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
