using System.Collections.Concurrent;
using System.Text.Json;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Exceptions;
using DurableDelivery.Engine.History;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file (<c>engine.db</c>) in the data directory, WAL mode, synchronous=FULL,
/// one group-committing writer thread and a pool of reader connections. Worker liveness uses advisory file locks in
/// <c>workers/</c>: a lock that can be taken belongs to a dead process.
/// </summary>
internal sealed partial class SqliteWorkflowStore : IWorkflowStore
{
    public const string FileName = "engine.db";

    private static readonly JsonSerializerOptions Json = PayloadConverter.Options;
    private readonly string connectionString;
    private readonly ConcurrentBag<SqlCommands> readers = [];
    private readonly SqliteWriter writer;
    private readonly SqliteCheckpointer checkpointer;
    private readonly string workersDir;
    private readonly ConcurrentDictionary<string, FileStream> ownLocks = new(StringComparer.Ordinal);
    private readonly Lazy<Task> disposal;

    private SqliteWorkflowStore(string dataDir, string path, TimeProvider time, SqliteConnection writeConnection)
    {
        DataDir = dataDir;
        Location = path;
        Time = time;
        connectionString = writeConnection.ConnectionString;
        workersDir = Path.Combine(dataDir, "workers");
        Directory.CreateDirectory(workersDir);
        Notifier.ConnectRemote(() => CrossProcessWake.TryCreate(dataDir, Notifier));
        writer = new SqliteWriter(writeConnection, Notifier);
        checkpointer = new SqliteCheckpointer(connectionString, writer);
        disposal = new(DisposeCoreAsync);
    }

    public TimeProvider Time { get; }

    public StoreNotifier Notifier { get; } = new();

    public string Location { get; }

    public string DataDir { get; }

    /// <summary>Gets the checkpointer (exposed for tests: the WAL size at which the writer restarts the WAL).</summary>
    internal SqliteCheckpointer Checkpointer => checkpointer;

    /// <summary>Gets the writer (exposed for benchmarks: commit, operation and statement counts).</summary>
    public SqliteWriter Writer => writer;

    /// <summary>Gets the statements run on reader connections (for benchmarks and cost tests).</summary>
    public StatementCounter ReadStatements { get; } = new();

    /// <summary>Opens (and, if asked, creates) the store in a data directory.</summary>
    /// <exception cref="StoreException">The directory holds no store and <paramref name="create"/> is false, or the file is not a store.</exception>
    public static SqliteWorkflowStore Open(string dataDir, bool create = true, TimeProvider? time = null)
    {
        SqliteNative.EnsureInitialized();
        dataDir = Path.GetFullPath(dataDir);
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            if (!create)
            {
                throw new StoreException(
                    $"No DurableDelivery store in '{dataDir}' ({FileName} not found): start a worker there first ('ddctl worker run --data-dir {dataDir}') or pass --data-dir of an existing store.");
            }

            if (File.Exists(dataDir))
            {
                throw new StoreException($"Data directory '{dataDir}' is a file; pass a directory with --data-dir.");
            }

            Directory.CreateDirectory(dataDir);
        }

        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 30 }.ToString();
        var conn = new SqliteConnection(cs);
        try
        {
            conn.Open();
            RejectForeignDatabase(conn, path);
            Pragmas(conn, writer: true);
            Migrate(conn, path);
        }
        catch (SqliteException e)
        {
            conn.Dispose();
            throw new StoreException($"'{path}' is not a DurableDelivery store ({e.Message}); pass --data-dir of a store.", e);
        }
        catch
        {
            conn.Dispose();
            throw;
        }

        return new SqliteWorkflowStore(dataDir, path, time ?? TimeProvider.System, conn);
    }

    public async Task<IReadOnlyList<string>> ListLiveWorkersAsync(CancellationToken ct)
    {
        var workers = await ReadAsync(sql => sql.Query("SELECT worker_id FROM workers ORDER BY started", r => r.GetString(0)), ct).ConfigureAwait(false);
        return [.. workers.Where(w => ownLocks.ContainsKey(w) || LockHeld(Path.Combine(workersDir, w + ".lock")))];
    }

    /// <summary>Whether a live process holds the advisory lock of a worker (a lock that can be taken belongs to a dead one).</summary>
    private static bool LockHeld(string path)
    {
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }

            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>
    /// Closes the store: the writer finishes the operations queued before this call and closes its connection, then the
    /// checkpointer, the readers and this process's worker locks close. Safe to call more than once, and from several
    /// threads at once: every call waits for the one closing.
    /// </summary>
    public ValueTask DisposeAsync() => new(disposal.Value);

    private async Task DisposeCoreAsync()
    {
        await writer.DisposeAsync().ConfigureAwait(false);
        await checkpointer.DisposeAsync().ConfigureAwait(false);
        await Notifier.DisconnectRemoteAsync().ConfigureAwait(false);
        while (readers.TryTake(out var r))
        {
            r.Dispose();
            r.Connection.Dispose();
        }

        foreach (var l in ownLocks.Values)
        {
            await l.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The WAL file is cut back to this size when the writer restarts it (<see cref="SqliteCheckpointer"/>): 64 MiB.</summary>
    private const long JournalSizeLimit = SqliteCheckpointer.DefaultRestartFrames * 4096L;

    private static void Pragmas(SqliteConnection conn, bool writer)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = writer
            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=" + JournalSizeLimit + "; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
            : "PRAGMA query_only=1; PRAGMA cache_size=-16384;";
        cmd.ExecuteNonQuery();

        // What PRAGMA busy_timeout=30000 sets: SQLite's own busy handler (1, 2, 5 ... 100 ms between tries).
        SQLitePCL.raw.sqlite3_busy_timeout(conn.Handle!, BusyTimeoutMilliseconds);
    }

    /// <summary>How long a store connection waits for another process's lock before SQLITE_BUSY: 30 s.</summary>
    internal const int BusyTimeoutMilliseconds = 30_000;

    /// <summary>
    /// Refuses another application's SQLite database BEFORE the pragmas run: journal_mode=WAL would rewrite its header
    /// (and leave -wal/-shm files), changing a file that is not ours.
    /// </summary>
    private static void RejectForeignDatabase(SqliteConnection conn, string path)
    {
        using var check = conn.CreateCommand();
        check.CommandText = "SELECT count(*), count(CASE WHEN name='dd_meta' THEN 1 END) FROM sqlite_master WHERE type='table'";
        using var reader = check.ExecuteReader();
        reader.Read();
        if (reader.GetInt64(0) > 0 && reader.GetInt64(1) == 0)
        {
            throw new StoreException($"'{path}' is an SQLite database but not a DurableDelivery store; pass --data-dir of a store.");
        }
    }

    private static void Migrate(SqliteConnection conn, string path)
    {
        using var tx = conn.BeginTransaction();
        using (var check = conn.CreateCommand())
        {
            check.Transaction = tx;
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type='table'";
            var tables = Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='dd_meta'";
            var hasMeta = Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
            if (tables > 0 && !hasMeta)
            {
                throw new StoreException($"'{path}' is an SQLite database but not a DurableDelivery store; pass --data-dir of a store.");
            }

            if (!hasMeta)
            {
                check.CommandText = "CREATE TABLE dd_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);";
                check.ExecuteNonQuery();
                check.CommandText = $"INSERT INTO dd_meta VALUES('product', '{SqliteSchema.ProductMarker}')";
                check.ExecuteNonQuery();
            }

            check.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
            var current = Convert.ToInt32(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            var latest = SqliteSchema.Migrations[^1].Version;
            if (current > latest)
            {
                throw new StoreException($"Store '{path}' has schema version {current}, newer than this build knows ({latest}); upgrade ddctl.");
            }

            foreach (var (version, name, sql) in SqliteSchema.Migrations.Where(m => m.Version > current))
            {
                check.CommandText = sql;
                check.ExecuteNonQuery();
                check.CommandText = "INSERT INTO schema_migrations(version, name, applied_at) VALUES($v, $n, $t)";
                check.Parameters.Clear();
                check.Parameters.AddWithValue("$v", version);
                check.Parameters.AddWithValue("$n", name);
                check.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                check.ExecuteNonQuery();
                check.Parameters.Clear();
            }
        }

        tx.Commit();
    }

    /// <summary>Runs a read on a pooled reader connection (WAL: readers never block the writer).</summary>
    private async Task<T> ReadAsync<T>(Func<SqlCommands, T> read, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!readers.TryTake(out var cmds))
        {
            var conn = new SqliteConnection(connectionString);
            conn.Open();
            Pragmas(conn, writer: false);
            cmds = new SqlCommands(conn, ReadStatements);
        }

        try
        {
            // Reads are short; running them inline avoids a thread hop on the hot path.
            await Task.CompletedTask.ConfigureAwait(false);
            return read(cmds);
        }
        finally
        {
            readers.Add(cmds);
        }
    }

    private long NowMs() => Time.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static DateTimeOffset? FromMs(object? ms) => ms is null or DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(ms, System.Globalization.CultureInfo.InvariantCulture));

    private static string? Ser<T>(T? value) => value is null ? null : JsonSerializer.Serialize(value, Json);

    private static T? De<T>(string? json) => json is null ? default : JsonSerializer.Deserialize<T>(json, Json);

    private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private const string RunColumns = "run_id, workflow_id, workflow_type, task_queue, status, start_time, close_time, result, failure, last_event_id, history_size, version, owner, task_failure, task_attempt, parent_workflow_id, parent_run_id, continued_run_id, next_run_id, ready_at";

    private static RunRecord MapRun(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        WorkflowId = r.GetString(1),
        WorkflowType = r.GetString(2),
        TaskQueue = r.GetString(3),
        Status = (WorkflowExecutionStatus)r.GetInt32(4),
        StartTime = FromMs(r.GetInt64(5)),
        CloseTime = Long(r, 6) is { } c ? FromMs(c) : null,
        ResultJson = Str(r, 7),
        Failure = De<FailureInfo>(Str(r, 8)),
        LastEventId = r.GetInt64(9),
        HistorySize = r.GetInt64(10),
        Version = r.GetInt64(11),
        Owner = Str(r, 12),
        TaskFailure = De<FailureInfo>(Str(r, 13)),
        TaskAttempt = r.GetInt32(14),
        ParentWorkflowId = Str(r, 15),
        ParentRunId = Str(r, 16),
        ContinuedRunId = Str(r, 17),
        NextRunId = Str(r, 18),
        ReadyAt = Long(r, 19) is { } ra ? FromMs(ra) : null,
    };

    private const string ActivityColumns = "run_id, scheduled_event_id, workflow_id, workflow_type, activity_type, task_queue, args, options, attempt, scheduled_time, attempt_started, deadline, owner, heartbeat_details, last_heartbeat, cancel_requested, last_failure";

    private static ActivityTaskRecord MapActivity(SqliteDataReader r) => new()
    {
        RunId = r.GetString(0),
        ScheduledEventId = r.GetInt64(1),
        WorkflowId = r.GetString(2),
        WorkflowType = r.GetString(3),
        ActivityType = r.GetString(4),
        TaskQueue = r.GetString(5),
        ArgsJson = r.GetString(6),
        Options = De<ActivityOptionsRecord>(r.GetString(7))!,
        Attempt = r.GetInt32(8),
        ScheduledTime = FromMs(r.GetInt64(9)),
        AttemptStartedTime = Long(r, 10) is { } s ? FromMs(s) : null,
        Deadline = Long(r, 11) is { } d ? FromMs(d) : null,
        Owner = Str(r, 12),
        HeartbeatDetails = Str(r, 13),
        LastHeartbeat = Long(r, 14) is { } h ? FromMs(h) : null,
        CancelRequested = r.GetInt64(15) != 0,
        LastFailure = De<FailureInfo>(Str(r, 16)),
    };

    private static RunRecord? FindRun(SqlCommands sql, string workflowId, string? runId) => runId is not null
        ? sql.Query($"SELECT {RunColumns} FROM runs WHERE run_id=$r AND workflow_id=$w", MapRun, ("$r", runId), ("$w", workflowId)).FirstOrDefault()
        : sql.Query($"SELECT {RunColumns} FROM runs WHERE workflow_id=$w ORDER BY status = 1 DESC, start_time DESC, rowid DESC LIMIT 1", MapRun, ("$w", workflowId)).FirstOrDefault();

    private static RunRecord? FindRunById(SqlCommands sql, string runId) =>
        sql.Query($"SELECT {RunColumns} FROM runs WHERE run_id=$r", MapRun, ("$r", runId)).FirstOrDefault();

    private static RunRecord RequireOpenRun(SqlCommands sql, string workflowId, string? runId)
    {
        var run = FindRun(sql, workflowId, runId) ?? throw new WorkflowNotFoundException(workflowId, runId);
        if (run.Status != WorkflowExecutionStatus.Running)
        {
            throw new WorkflowClosedException(workflowId, run.Status);
        }

        return run;
    }
}
