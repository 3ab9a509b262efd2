using DurableDelivery.Engine.Storage.Sqlite;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>Closing a SQLite store closes every connection it opened, once, however many callers close it.</summary>
public sealed class StoreDisposeTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-dispose-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task ClosedByTwoCallersAtOnce_BothWait_EveryConnectionIsClosed_LaterWritesAreRefused()
    {
        var store = SqliteWorkflowStore.Open(dir);
        await store.Writer.WriteAsync(ctx => ctx.Sql.Exec("CREATE TABLE probe(x INTEGER)"));
        (await store.ListLiveWorkersAsync(CancellationToken.None)).ShouldBeEmpty();
        var wal = store.Location + "-wal";
        File.Exists(wal).ShouldBeTrue();

        await Task.WhenAll(store.DisposeAsync().AsTask(), store.DisposeAsync().AsTask());

        // SQLite checkpoints and deletes the WAL when the last connection to the database closes: the writer's, the
        // checkpointer's and the readers' connections are all closed.
        File.Exists(wal).ShouldBeFalse();
        await Should.ThrowAsync<ObjectDisposedException>(() => store.Writer.WriteAsync(ctx => ctx.Sql.Exec("INSERT INTO probe VALUES(1)")));
        await store.DisposeAsync();
    }

    public void Dispose()
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
