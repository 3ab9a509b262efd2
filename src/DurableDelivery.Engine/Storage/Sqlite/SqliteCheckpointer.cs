using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// Copies the WAL into the database file on a connection and thread of its own (<c>PRAGMA wal_checkpoint(PASSIVE)</c>
/// every <see cref="Interval"/>), so that the writer's commits never run a checkpoint: the writer connection has
/// <c>wal_autocheckpoint=0</c>. SQLite's automatic checkpoint would otherwise run inside a commit every ~1,000 pages and
/// sync the database file there, stalling every caller of that group commit. Durability does not depend on checkpoints:
/// a commit is durable once its WAL frames are synced (synchronous=FULL).
/// </summary>
/// <remarks>
/// A passive checkpoint never makes the WAL start over: SQLite restarts it at a write transaction's start only when every
/// frame was copied and no reader is in it, which under steady load (a commit every millisecond, reads in flight) does not
/// happen, so the WAL grew for as long as the load lasted (about 80 MB/s at 500 workflows/s; 405 MB after a 5 s run, for a
/// 12 MB database). So when a checkpoint finds the WAL at <see cref="RestartFrames"/> frames or more, it asks the writer
/// to restart it (<see cref="SqliteWriter.RequestWalRestart"/>): between two batches, the writer copies what is left and
/// waits briefly for readers (<c>wal_checkpoint(RESTART)</c>), and its next commit writes the WAL from the start again,
/// over blocks already allocated; <c>journal_size_limit</c> then cuts the file back to that size.
/// </remarks>
internal sealed class SqliteCheckpointer : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    /// <summary>The default of <see cref="RestartFrames"/>: 16,384 frames, 64 MiB of 4 KiB pages.</summary>
    public const int DefaultRestartFrames = 16_384;

    private readonly SqliteWriter writer;

    public SqliteCheckpointer(string connectionString, SqliteWriter writer)
    {
        this.writer = writer;
        loop = Task.Run(() => RunAsync(connectionString));
    }

    /// <summary>Gets the largest WAL, in frames, a checkpoint has found (for tests and benchmarks).</summary>
    public int MaxWalFrames { get; private set; }

    /// <summary>Gets or sets the WAL size, in frames (pages), at which the writer is asked to restart the WAL.</summary>
    public int RestartFrames { get; set; } = DefaultRestartFrames;

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
            while (true)
            {
                await Task.Delay(Interval, stop.Token).ConfigureAwait(false);
                var rc = SQLitePCL.raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out var walFrames, out _);
                if (rc == SQLitePCL.raw.SQLITE_OK)
                {
                    Checkpoints++;
                    MaxWalFrames = Math.Max(MaxWalFrames, walFrames);
                    if (walFrames >= RestartFrames)
                    {
                        writer.RequestWalRestart();
                    }
                }

                // Otherwise another process's checkpointer is running (SQLITE_BUSY): it does the same work.
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }
}
