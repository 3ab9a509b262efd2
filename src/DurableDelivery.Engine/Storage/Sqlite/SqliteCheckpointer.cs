using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// Copies the WAL into the database file on a connection and thread of its own (<c>PRAGMA wal_checkpoint(PASSIVE)</c>
/// every <see cref="Interval"/>), so that the writer's commits never run a checkpoint: the writer connection has
/// <c>wal_autocheckpoint=0</c>. SQLite's automatic checkpoint would otherwise run inside a commit every ~1,000 pages and
/// sync the database file there, stalling every caller of that group commit. Durability does not depend on checkpoints:
/// a commit is durable once its WAL frames are synced (synchronous=FULL).
/// </summary>
internal sealed class SqliteCheckpointer : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public SqliteCheckpointer(string connectionString) => loop = Task.Run(() => RunAsync(connectionString));

    /// <summary>Gets the number of checkpoints run (for benchmarks).</summary>
    public long Checkpoints { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
    }

    private async Task RunAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            await using var setup = connection.CreateCommand();
            setup.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=0;";
            setup.ExecuteNonQuery();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            while (true)
            {
                await Task.Delay(Interval, stop.Token).ConfigureAwait(false);
                try
                {
                    checkpoint.ExecuteNonQuery();
                    Checkpoints++;
                }
                catch (SqliteException)
                {
                    // Another process's checkpointer is running (SQLITE_BUSY): it does the same work.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }
}
