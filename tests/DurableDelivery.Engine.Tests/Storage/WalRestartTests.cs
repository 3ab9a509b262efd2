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
    private const int MaxFrames = 40_000;

    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-wal-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task SteadyWritesAndReads_TheWriterRestartsTheWal_ItStaysBounded()
    {
        // 512 frames (2 MiB) instead of 16,384, so a test-sized load crosses it many times: the writer restarts the WAL
        // (2-13 times per run here; never without the mechanism, where only SQLite's own occasional restart happens: the
        // check that fails without it). The largest WAL the checkpointer saw is about 5,000 frames when this test runs
        // alone and up to 20,000 under parallel test runs (busy attempts, then pauses); 40,000 frames (160 MiB) only guards
        // against runaway growth, which is what the WAL did before under a longer load (405 MB in 5 s at 500 wf/s).
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

    [Fact]
    public async Task AReaderThatStaysInTheWal_TheWriterGivesUpThreeTimesAndPausesASecond_ThenRestartsOnceItLeaves()
    {
        await using var client = DurableClient.Open(dir);
        var store = (SqliteWorkflowStore)client.Store;
        store.Checkpointer.RestartFrames = 64;
        var acts = new CountingActivities();
        var worker = new DurableWorker(client, new DurableWorkerOptions("wal").AddWorkflow<ThreeGreetingsWorkflow>().AddAllActivities(acts));
        using var stop = new CancellationTokenSource();
        var running = worker.ExecuteAsync(stop.Token);
        var n = 0;
        async Task WriteForAsync(TimeSpan span)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (watch.Elapsed < span)
            {
                var i = ++n;
                await client.ExecuteWorkflowAsync((ThreeGreetingsWorkflow wf) => wf.RunAsync($"r{i}"), new WorkflowOptions($"reader/{i}", "wal"));
            }
        }

        await WriteForAsync(TimeSpan.FromMilliseconds(300));

        // Another connection holds a read transaction on a snapshot that is in the WAL, for 1.5 s of steady writes: about
        // 15 checkpoints ask for a restart; each attempt waits 50 ms and gives up, and after 3 in a row the writer ignores
        // requests for 1 s, so at most 6 attempts instead of about 15. The reader's snapshot must be in the WAL: a reader
        // that starts when every frame was copied reads the database file alone (read mark 0) and does not hold a restart
        // back (seen once). So a first reader holds the checkpointer back (it cannot copy past what that reader sees)
        // while more workflows write, and the reader of the test starts then, with frames not yet copied.
        Microsoft.Data.Sqlite.SqliteConnection held;
        Microsoft.Data.Sqlite.SqliteTransaction heldRead;
        using (var first = OpenReader(store.Location, out var firstRead))
        {
            await WriteForAsync(TimeSpan.FromMilliseconds(100));
            held = OpenReader(store.Location, out heldRead);
            firstRead.Dispose();
        }

        using (held)
        using (heldRead)
        {
            var (restarts0, busy0) = (store.Writer.WalRestarts, store.Writer.WalRestartsBusy);
            await WriteForAsync(TimeSpan.FromMilliseconds(1_500));
            var busy = store.Writer.WalRestartsBusy - busy0;
            output.WriteLine($"while a reader stayed 1.5 s: {busy} restart attempts gave up, {store.Writer.WalRestarts - restarts0} restarted");
            (store.Writer.WalRestarts - restarts0).ShouldBe(0, "the reader's snapshot is in the WAL: no restart can happen");
            busy.ShouldBeInRange(1, 6, "at most 3 attempts, a second's pause, then at most 3 more");
        }

        // The reader gone, the next request after the pause restarts the WAL.
        var before = store.Writer.WalRestarts;
        await Eventually.EventuallyAsync(
            async () =>
            {
                await WriteForAsync(TimeSpan.FromMilliseconds(100));
                return store.Writer.WalRestarts > before;
            },
            TimeSpan.FromSeconds(20),
            "the writer restarts the WAL once the reader left");
        await stop.CancelAsync();
        await running;
    }

    /// <summary>A read-only connection in a read transaction that has read the store (so it holds a WAL read lock).</summary>
    private static Microsoft.Data.Sqlite.SqliteConnection OpenReader(string location, out Microsoft.Data.Sqlite.SqliteTransaction read)
    {
        var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={location};Mode=ReadOnly;Pooling=False");
        reader.Open();
        read = reader.BeginTransaction(deferred: true);
        using var count = reader.CreateCommand();
        count.Transaction = read;
        count.CommandText = "SELECT count(*) FROM runs";
        Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        return reader;
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
