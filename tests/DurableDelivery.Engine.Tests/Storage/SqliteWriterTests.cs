using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage.Sqlite;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// The writer runs a batch of operations in one transaction without savepoints; if one throws, the transaction is rolled
/// back and the batch runs again with a savepoint per operation, so the failing one is rolled back alone and the others
/// commit once. The writer thread is held in one operation while the batch queues up behind it, so the batch is exactly
/// the operations the test sent.
/// </summary>
public sealed class SqliteWriterTests : IDisposable
{
    private const int Ops = 10;
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-writer-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task AnOperationOfABatchThrowsAfterWriting_ItAloneIsRolledBack_TheOthersCommitOnce()
    {
        await using var client = DurableClient.Open(dir);
        var writer = ((SqliteWorkflowStore)client.Store).Writer;
        await writer.WriteAsync(ctx => ctx.Sql.Exec("CREATE TABLE probe(op INTEGER, step INTEGER)"));
        var runs = new int[Ops];
        var (rerun0, commits0) = (writer.BatchesRerun, writer.Commits);

        var ops = await QueueBatchAsync(writer, i => ctx =>
        {
            Interlocked.Increment(ref runs[i]);
            ctx.Sql.Exec("INSERT INTO probe VALUES($o, 1)", ("$o", i));
            if (i == 6)
            {
                throw new InvalidOperationException("operation 6 fails after writing");
            }

            ctx.Sql.Exec("INSERT INTO probe VALUES($o, 2)", ("$o", i));
            return i;
        });

        for (var i = 0; i < Ops; i++)
        {
            if (i == 6)
            {
                (await Should.ThrowAsync<InvalidOperationException>(ops[i])).Message.ShouldBe("operation 6 fails after writing");
            }
            else
            {
                (await ops[i]).ShouldBe(i);
            }
        }

        var rows = await writer.WriteAsync(ctx => ctx.Sql.Query("SELECT op, step FROM probe ORDER BY op, step", r => $"{r.GetInt64(0)}.{r.GetInt64(1)}"));
        rows.ShouldBe([.. Enumerable.Range(0, Ops).Where(i => i != 6).SelectMany(i => new[] { $"{i}.1", $"{i}.2" })]);

        // The first pass ran operations 0 to 6 and stopped at the throw; the second ran all ten, each in a savepoint.
        runs.ShouldBe([2, 2, 2, 2, 2, 2, 2, 1, 1, 1]);
        (writer.BatchesRerun - rerun0).ShouldBe(1);
        (writer.Commits - commits0).ShouldBe(3, "the holding operation, the batch, the read-back");
    }

    [Fact]
    public async Task NoOperationOfABatchThrows_ItRunsOnceWithoutSavepoints()
    {
        await using var client = DurableClient.Open(dir);
        var writer = ((SqliteWorkflowStore)client.Store).Writer;
        await writer.WriteAsync(ctx => ctx.Sql.Exec("CREATE TABLE probe(op INTEGER)"));
        var runs = new int[Ops];
        var rerun0 = writer.BatchesRerun;
        long statements0 = 0;

        var ops = await QueueBatchAsync(
            writer,
            i => ctx =>
            {
                Interlocked.Increment(ref runs[i]);
                ctx.Sql.Exec("INSERT INTO probe VALUES($o)", ("$o", i));
                return i;
            },
            whileHeld: () => statements0 = writer.Statements.Count);
        (await Task.WhenAll(ops)).ShouldBe([.. Enumerable.Range(0, Ops)]);

        runs.ShouldAllBe(n => n == 1);
        (writer.BatchesRerun - rerun0).ShouldBe(0);

        // The holding operation's COMMIT, then BEGIN, ten INSERTs and COMMIT: no SAVEPOINT or RELEASE (with them, 33).
        (writer.Statements.Count - statements0).ShouldBe(13);
    }

    /// <summary>
    /// Holds the writer thread in an operation, queues <see cref="Ops"/> operations behind it, then lets it go: the
    /// writer takes them as one batch.
    /// </summary>
    private static async Task<Task<int>[]> QueueBatchAsync(SqliteWriter writer, Func<int, Func<WriteContext, int>> op, Action? whileHeld = null)
    {
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = writer.WriteAsync(_ =>
        {
            entered.SetResult();
            release.Wait(TimeSpan.FromSeconds(30));
            return 0;
        });
        await entered.Task;
        whileHeld?.Invoke();
        var ops = Enumerable.Range(0, Ops).Select(i => writer.WriteAsync(op(i))).ToArray();
        release.Set();
        await holder;
        return ops;
    }

    public void Dispose()
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
