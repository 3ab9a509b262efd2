using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// The single writer of a SQLite store. Every write is an operation queued here; the writer thread takes as many queued
/// operations as are waiting (up to <see cref="MaxBatch"/>), runs them in one <c>BEGIN IMMEDIATE</c> transaction and
/// commits once (group commit). An operation that throws is rolled back alone; the others commit: the batch first runs
/// without savepoints, and if an operation throws, the transaction is rolled back and the batch runs again with each
/// operation in its own SAVEPOINT (<see cref="RunWithoutSavepoints"/>). Callers are answered only after the COMMIT returned, so an acknowledged write is durable
/// (synchronous=FULL).
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    public const int MaxBatch = 512;

    /// <summary>
    /// After a batch had to run again (an operation threw), this many batches run with savepoints from the start: where
    /// failing operations come in a burst (say, signals to a workflow that just closed), the batch is not run twice each time.
    /// </summary>
    private const int SavepointBatchesAfterRerun = 16;

    private int savepointBatchesLeft;

    /// <summary><c>SQLITE_DBSTATUS_CACHE_WRITE</c>: pages written by the connection (to the WAL, in WAL mode).</summary>
    private const int CacheWriteStatus = 9;

    /// <summary>Runs every batch with a savepoint per operation from the start: the benchmark's A/B switch (<c>--savepoints</c>). Never set in the product.</summary>
    internal static bool AlwaysSavepoints { get; set; }

    private readonly Channel<IWriteOp> queue = Channel.CreateUnbounded<IWriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection connection;
    private readonly SqlCommands commands;
    private readonly StoreNotifier notifier;
    private readonly Thread thread;
    private readonly Action<int>? onCommit;

    public SqliteWriter(SqliteConnection connection, StoreNotifier notifier, Action<int>? onCommit = null)
    {
        this.connection = connection;
        this.notifier = notifier;
        this.onCommit = onCommit;
        commands = new SqlCommands(connection, Statements);
        thread = new Thread(Run) { IsBackground = true, Name = "durable-sqlite-writer" };
        thread.Start();
    }

    /// <summary>How long a WAL restart waits for readers still in the WAL before it gives up until the next request.</summary>
    private const int RestartBusyMilliseconds = 50;

    /// <summary>
    /// How long the writer ignores restart requests after <see cref="BusyRestartsBeforePause"/> attempts in a row found a
    /// reader staying in the WAL: a long reader (say, another process reading a large history) would otherwise hold up
    /// the writer for <see cref="RestartBusyMilliseconds"/> at every checkpoint's request, every 100 ms; with the pause,
    /// at most 150 ms in 1.3 s. A single busy attempt (a reader preempted on a loaded machine) is simply retried at the next request.
    /// </summary>
    private static readonly TimeSpan RestartPauseAfterBusy = TimeSpan.FromSeconds(1);

    /// <summary>Busy restart attempts in a row after which the writer pauses (<see cref="RestartPauseAfterBusy"/>).</summary>
    private const int BusyRestartsBeforePause = 3;

    private int busyInARow;
    private volatile bool restartRequested;
    private long noRestartBefore;

    /// <summary>Gets the number of times the writer restarted the WAL (<see cref="RequestWalRestart"/>).</summary>
    public long WalRestarts { get; private set; }

    /// <summary>Gets the number of restarts that gave up because a reader stayed in the WAL.</summary>
    public long WalRestartsBusy { get; private set; }

    /// <summary>Asks the writer to restart the WAL between two batches (see <see cref="SqliteCheckpointer"/>).</summary>
    public void RequestWalRestart() => restartRequested = true;

    /// <summary>Gets the number of batches that ran again with savepoints because an operation threw without them (for tests).</summary>
    public long BatchesRerun { get; private set; }

    /// <summary>Gets the number of transactions committed (for benchmarks).</summary>
    public long Commits { get; private set; }

    /// <summary>Gets the number of operations committed (for benchmarks).</summary>
    public long Operations { get; private set; }

    /// <summary>
    /// Gets the number of pages the writer's commits wrote to the WAL (SQLite's <c>SQLITE_DBSTATUS_CACHE_WRITE</c>, summed
    /// after each commit): each is a 4 KiB frame written and synced, so this is what a commit costs the disk (for
    /// benchmarks and cost tests).
    /// </summary>
    public long PagesWritten { get; private set; }

    /// <summary>
    /// Gets or sets what is told, after each commit, how long the batch's operations ran (BEGIN to before COMMIT) and how
    /// long the COMMIT took (the WAL write and its sync), in <see cref="System.Diagnostics.Stopwatch"/> ticks, and the
    /// batch's size (for benchmarks: where a step's latency goes). Null: nothing is timed.
    /// </summary>
    public Action<long, long, int>? Timings { get; set; }

    /// <summary>Gets the statements the writer ran, BEGIN/SAVEPOINT/COMMIT included (for benchmarks and cost tests).</summary>
    public StatementCounter Statements { get; } = new();

    public Task<T> WriteAsync<T>(Func<WriteContext, T> op)
    {
        var w = new WriteOp<T>(op);
        if (!queue.Writer.TryWrite(w))
        {
            throw new ObjectDisposedException(nameof(SqliteWriter), "The store is closed.");
        }

        return w.Completion.Task;
    }

    /// <summary>Runs the operations already queued, then stops the thread and closes the connection (called once, by the store).</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.Run(thread.Join).ConfigureAwait(false);
        commands.Dispose();
        connection.Dispose();
    }

    private void Run()
    {
        var batch = new List<IWriteOp>(MaxBatch);
        var reader = queue.Reader;
        while (true)
        {
            try
            {
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
            catch (ChannelClosedException)
            {
                return;
            }

            if (restartRequested)
            {
                restartRequested = false;
                if (System.Diagnostics.Stopwatch.GetTimestamp() >= noRestartBefore)
                {
                    RestartWal();
                }
            }

            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            RunBatch(batch);
        }
    }

    private void RunBatch(List<IWriteOp> batch)
    {
        var ctx = new WriteContext(connection, commands);
        var timings = Timings;
        var began = timings is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            commands.Exec("BEGIN IMMEDIATE");
            if (batch.Count == 1)
            {
                // Alone in its transaction, an operation needs no savepoint: if it fails, the whole transaction rolls back.
                try
                {
                    batch[0].Run(ctx);
                }
                catch (Exception e)
                {
                    batch[0].SetError(e);
                    Rollback();
                    batch[0].Complete();
                    return;
                }
            }
            else
            {
                var withSavepoints = AlwaysSavepoints || savepointBatchesLeft > 0;
                if (withSavepoints)
                {
                    savepointBatchesLeft = Math.Max(0, savepointBatchesLeft - 1);
                }
                else if (!RunWithoutSavepoints(batch, ctx))
                {
                    // An operation threw: the whole transaction was rolled back and a new one begun; every operation
                    // runs again, each in its own savepoint, with a context of its own (the first pass's pulses are gone).
                    ctx = new WriteContext(connection, commands);
                    BatchesRerun++;
                    savepointBatchesLeft = SavepointBatchesAfterRerun;
                    withSavepoints = true;
                }

                if (withSavepoints)
                {
                    RunWithSavepoints(batch, ctx);
                }
            }

            var committing = timings is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            commands.Exec("COMMIT");
            timings?.Invoke(committing - began, System.Diagnostics.Stopwatch.GetTimestamp() - committing, batch.Count);
            Commits++;
            Operations += batch.Count;
            if (SQLitePCL.raw.sqlite3_db_status(connection.Handle!, CacheWriteStatus, out var pages, out _, 1) == SQLitePCL.raw.SQLITE_OK)
            {
                PagesWritten += pages;
            }

            onCommit?.Invoke(batch.Count);
        }
        catch (Exception e)
        {
            Rollback();
            foreach (var op in batch)
            {
                op.SetError(new Exceptions.StoreException($"The store could not commit: {e.Message}", e));
            }
        }

        foreach (var op in batch)
        {
            op.Complete();
        }

        notifier.PulseCommitted(ctx.Pulses);
    }

    /// <summary>Runs every operation of the batch in its own savepoint: one that throws is rolled back alone.</summary>
    private void RunWithSavepoints(List<IWriteOp> batch, WriteContext ctx)
    {
        foreach (var op in batch)
        {
            commands.Exec("SAVEPOINT op");
            try
            {
                op.Run(ctx);
                commands.Exec("RELEASE op");
            }
            catch (Exception e)
            {
                commands.Exec("ROLLBACK TO op");
                commands.Exec("RELEASE op");
                op.SetError(e);
            }
        }
    }

    /// <summary>
    /// Runs every operation of the batch without savepoints (SQLite copies each already-dirty page an operation touches
    /// into a statement journal for a savepoint: 5-8% of the writer's throughput at 100 workflows in flight,
    /// docs/benchmarks.md, engine, session 7). Returns false when an operation threw: the transaction is then rolled
    /// back, a new one begun and every operation's result forgotten, so that the caller runs them all again the safe way.
    /// </summary>
    /// <remarks>
    /// Correct only because every write operation has no effect outside the database and its <see cref="WriteContext"/>
    /// (audited for all of them in session 7): run twice with the first run rolled back, an operation is as if run once.
    /// Keep it so: file system work, in-memory caches and notifications belong outside the lambda given to
    /// <see cref="WriteAsync{T}"/>, or in <see cref="WriteContext.Pulses"/>.
    /// </remarks>
    private bool RunWithoutSavepoints(List<IWriteOp> batch, WriteContext ctx)
    {
        foreach (var op in batch)
        {
            try
            {
                op.Run(ctx);
            }
            catch (Exception)
            {
                Rollback();
                foreach (var o in batch)
                {
                    o.Reset();
                }

                commands.Exec("BEGIN IMMEDIATE");
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Copies what the checkpointer has not copied yet into the database file and waits up to
    /// <see cref="RestartBusyMilliseconds"/> for readers to leave the WAL, so that the next commit writes the WAL from its
    /// start (<c>wal_checkpoint(RESTART)</c>). Busy (a reader stayed, or another process writes): tried again at the next
    /// request, or, after <see cref="BusyRestartsBeforePause"/> in a row, the first one after <see cref="RestartPauseAfterBusy"/>;
    /// nothing is lost either way, the WAL only stays longer.
    /// </summary>
    private void RestartWal()
    {
        var db = connection.Handle!;
        SQLitePCL.raw.sqlite3_busy_timeout(db, RestartBusyMilliseconds);
        try
        {
            if (SQLitePCL.raw.sqlite3_wal_checkpoint_v2(db, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_RESTART, out _, out _) == SQLitePCL.raw.SQLITE_OK)
            {
                WalRestarts++;
                busyInARow = 0;
            }
            else
            {
                WalRestartsBusy++;
                if (++busyInARow >= BusyRestartsBeforePause)
                {
                    busyInARow = 0;
                    noRestartBefore = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(RestartPauseAfterBusy.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
                }
            }
        }
        finally
        {
            SQLitePCL.raw.sqlite3_busy_timeout(db, SqliteWorkflowStore.BusyTimeoutMilliseconds);
        }
    }

    private void Rollback()
    {
        try
        {
            commands.Exec("ROLLBACK");
        }
        catch (SqliteException)
        {
            // Already rolled back by SQLite.
        }
    }

    private interface IWriteOp
    {
        void Run(WriteContext ctx);

        void SetError(Exception e);

        /// <summary>Forgets what a run that was rolled back produced.</summary>
        void Reset();

        void Complete();
    }

    private sealed class WriteOp<T>(Func<WriteContext, T> op) : IWriteOp
    {
        private T? result;
        private Exception? error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(WriteContext ctx) => result = op(ctx);

        public void SetError(Exception e) => error ??= e;

        public void Reset() => (result, error) = (default, null);

        public void Complete()
        {
            if (error is not null)
            {
                Completion.TrySetException(error);
            }
            else
            {
                Completion.TrySetResult(result!);
            }
        }
    }
}

/// <summary>What a write operation sees: the connection's cached commands and the keys to pulse after commit.</summary>
internal sealed class WriteContext(SqliteConnection connection, SqlCommands commands)
{
    public SqliteConnection Connection { get; } = connection;

    public SqlCommands Sql { get; } = commands;

    public HashSet<string> Pulses { get; } = new(StringComparer.Ordinal);
}
