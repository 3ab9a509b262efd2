using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DurableDelivery.Server.Persistence;

/// <summary>
/// The server's SQLite file: one writer thread that group-commits batches (WAL, synchronous=FULL), and short-lived read
/// connections for history pages of closed runs and for visibility queries.
/// </summary>
/// <remarks>
/// Batches commit in the order they were submitted, so an operation that depends on an earlier one is never durable
/// without it. A batch's task completes only after its transaction committed; a failed commit fails every batch of that
/// transaction and the store refuses further writes (the process must restart and recover from the file).
/// </remarks>
internal sealed class SqliteStore : IAsyncDisposable
{
    private readonly string connectionString;
    private readonly Channel<(WriteBatch Batch, TaskCompletionSource Done)> queue =
        Channel.CreateUnbounded<(WriteBatch, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread writerThread;
    private readonly ILogger logger;
    private readonly SqliteConnection writer;
    private Exception? broken;

    static SqliteStore() => SQLitePCL.Batteries_V2.Init();

    /// <summary>Opens (creating when missing) the database file and starts the writer.</summary>
    public SqliteStore(string path, ILogger logger)
    {
        this.logger = logger;
        Path = path;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        writer = new SqliteConnection(connectionString);
        writer.Open();
        Execute(writer, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS namespaces(name TEXT PRIMARY KEY, id TEXT NOT NULL, data BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS search_attributes(
              namespace TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY(namespace, name));
            CREATE TABLE IF NOT EXISTS executions(
              run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, workflow_type TEXT NOT NULL,
              task_queue TEXT NOT NULL, status INTEGER NOT NULL, start_time INTEGER NOT NULL,
              execution_time INTEGER NOT NULL, close_time INTEGER, history_length INTEGER NOT NULL,
              history_size INTEGER NOT NULL, parent_workflow_id TEXT, parent_run_id TEXT, root_workflow_id TEXT,
              root_run_id TEXT, search_attributes TEXT NOT NULL, state BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS executions_list ON executions(namespace, close_time, start_time);
            CREATE INDEX IF NOT EXISTS executions_open ON executions(status) WHERE status = 1;
            CREATE TABLE IF NOT EXISTS current_executions(
              namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, run_id TEXT NOT NULL,
              PRIMARY KEY(namespace, workflow_id)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS history(
              run_id TEXT NOT NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL,
              PRIMARY KEY(run_id, event_id)) WITHOUT ROWID;
            """);
        writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "sqlite-writer" };
        writerThread.Start();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Number of transactions committed (for benchmarks).</summary>
    public long Commits { get; private set; }

    /// <summary>Queues a batch; the task completes once it is committed.</summary>
    public Task CommitAsync(WriteBatch batch)
    {
        if (broken is not null)
        {
            return Task.FromException(new InvalidOperationException("the store failed a commit earlier", broken));
        }

        if (batch.IsEmpty)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite((batch, done)))
        {
            done.SetException(new ObjectDisposedException(nameof(SqliteStore)));
        }

        return done.Task;
    }

    /// <summary>Opens a read connection (pooled).</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private void WriterLoop()
    {
        var pending = new List<(WriteBatch Batch, TaskCompletionSource Done)>();
        var reader = queue.Reader;
        while (true)
        {
            if (!reader.TryRead(out var first))
            {
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    return;
                }

                continue;
            }

            pending.Add(first);
            while (pending.Count < 512 && reader.TryRead(out var next))
            {
                pending.Add(next);
            }

            try
            {
                using (var tx = writer.BeginTransaction())
                {
                    foreach (var (batch, _) in pending)
                    {
                        Write(tx, batch);
                    }

                    tx.Commit();
                }

                Commits++;
                foreach (var (_, done) in pending)
                {
                    done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                broken = ex;
                logger.LogCritical(ex, "SQLite commit failed; the server stops accepting writes");
                foreach (var (_, done) in pending)
                {
                    done.TrySetException(ex);
                }
            }

            pending.Clear();
        }
    }

    private Dictionary<string, SqliteCommand>? prepared;

    private SqliteCommand Command(SqliteTransaction tx, string sql)
    {
        prepared ??= [];
        if (!prepared.TryGetValue(sql, out var command))
        {
            command = writer.CreateCommand();
            command.CommandText = sql;
            prepared[sql] = command;
        }

        command.Transaction = tx;
        command.Parameters.Clear();
        return command;
    }

    private void Write(SqliteTransaction tx, WriteBatch batch)
    {
        foreach (var (name, id, data) in batch.Namespaces)
        {
            var c = Command(tx, "INSERT OR REPLACE INTO namespaces(name, id, data) VALUES($n, $i, $d)");
            c.Parameters.AddWithValue("$n", name);
            c.Parameters.AddWithValue("$i", id);
            c.Parameters.AddWithValue("$d", data);
            c.ExecuteNonQuery();
        }

        foreach (var (ns, name, kind) in batch.SearchAttributes)
        {
            var c = Command(tx, "INSERT OR REPLACE INTO search_attributes(namespace, name, kind) VALUES($n, $a, $k)");
            c.Parameters.AddWithValue("$n", ns);
            c.Parameters.AddWithValue("$a", name);
            c.Parameters.AddWithValue("$k", kind);
            c.ExecuteNonQuery();
        }

        foreach (var (runId, eventId, data) in batch.Events)
        {
            var c = Command(tx, "INSERT INTO history(run_id, event_id, data) VALUES($r, $e, $d)");
            c.Parameters.AddWithValue("$r", runId);
            c.Parameters.AddWithValue("$e", eventId);
            c.Parameters.AddWithValue("$d", data);
            c.ExecuteNonQuery();
        }

        foreach (var (ns, workflowId, runId) in batch.CurrentRuns)
        {
            var c = Command(
                tx, "INSERT OR REPLACE INTO current_executions(namespace, workflow_id, run_id) VALUES($n, $w, $r)");
            c.Parameters.AddWithValue("$n", ns);
            c.Parameters.AddWithValue("$w", workflowId);
            c.Parameters.AddWithValue("$r", runId);
            c.ExecuteNonQuery();
        }

        foreach (var row in batch.Executions)
        {
            var c = Command(tx, """
                INSERT INTO executions(run_id, namespace, workflow_id, workflow_type, task_queue, status,
                  start_time, execution_time, close_time, history_length, history_size, parent_workflow_id,
                  parent_run_id, root_workflow_id, root_run_id, search_attributes, state)
                VALUES($r, $n, $w, $t, $q, $s, $st, $et, $ct, $hl, $hs, $pw, $pr, $rw, $rr, $sa, $state)
                ON CONFLICT(run_id) DO UPDATE SET status = excluded.status, execution_time = excluded.execution_time,
                  close_time = excluded.close_time, history_length = excluded.history_length,
                  history_size = excluded.history_size, search_attributes = excluded.search_attributes,
                  state = excluded.state
                """);
            c.Parameters.AddWithValue("$r", row.RunId);
            c.Parameters.AddWithValue("$n", row.Namespace);
            c.Parameters.AddWithValue("$w", row.WorkflowId);
            c.Parameters.AddWithValue("$t", row.WorkflowType);
            c.Parameters.AddWithValue("$q", row.TaskQueue);
            c.Parameters.AddWithValue("$s", row.Status);
            c.Parameters.AddWithValue("$st", row.StartTime);
            c.Parameters.AddWithValue("$et", row.ExecutionTime);
            c.Parameters.AddWithValue("$ct", (object?)row.CloseTime ?? DBNull.Value);
            c.Parameters.AddWithValue("$hl", row.HistoryLength);
            c.Parameters.AddWithValue("$hs", row.HistorySize);
            c.Parameters.AddWithValue("$pw", (object?)row.ParentWorkflowId ?? DBNull.Value);
            c.Parameters.AddWithValue("$pr", (object?)row.ParentRunId ?? DBNull.Value);
            c.Parameters.AddWithValue("$rw", (object?)row.RootWorkflowId ?? DBNull.Value);
            c.Parameters.AddWithValue("$rr", (object?)row.RootRunId ?? DBNull.Value);
            c.Parameters.AddWithValue("$sa", row.SearchAttributesJson);
            c.Parameters.AddWithValue("$state", row.State);
            c.ExecuteNonQuery();
        }
    }

    /// <summary>Reads the events of a run in [from, to] (to = long.MaxValue for all).</summary>
    public List<byte[]> ReadEvents(string runId, long from, long to, int limit)
    {
        using var connection = OpenReader();
        using var c = connection.CreateCommand();
        c.CommandText = "SELECT data FROM history WHERE run_id = $r AND event_id >= $f AND event_id <= $t "
            + "ORDER BY event_id LIMIT $l";
        c.Parameters.AddWithValue("$r", runId);
        c.Parameters.AddWithValue("$f", from);
        c.Parameters.AddWithValue("$t", to);
        c.Parameters.AddWithValue("$l", limit);
        using var r = c.ExecuteReader();
        var result = new List<byte[]>();
        while (r.Read())
        {
            result.Add((byte[])r[0]);
        }

        return result;
    }

    /// <summary>Reads a run's stored state, or null.</summary>
    public (string Namespace, string WorkflowId, byte[] State)? ReadExecution(string runId)
    {
        using var connection = OpenReader();
        using var c = connection.CreateCommand();
        c.CommandText = "SELECT namespace, workflow_id, state FROM executions WHERE run_id = $r";
        c.Parameters.AddWithValue("$r", runId);
        using var r = c.ExecuteReader();
        return r.Read() ? (r.GetString(0), r.GetString(1), (byte[])r[2]) : null;
    }

    /// <summary>Loads what recovery needs: namespaces, search attributes, current runs, open runs' state.</summary>
    public RecoveredData Recover()
    {
        var data = new RecoveredData();
        using var connection = OpenReader();
        using (var c = connection.CreateCommand())
        {
            c.CommandText = "SELECT name, id, data FROM namespaces";
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                data.Namespaces.Add((r.GetString(0), r.GetString(1), (byte[])r[2]));
            }
        }

        using (var c = connection.CreateCommand())
        {
            c.CommandText = "SELECT namespace, name, kind FROM search_attributes";
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                data.SearchAttributes.Add((r.GetString(0), r.GetString(1), r.GetInt32(2)));
            }
        }

        using (var c = connection.CreateCommand())
        {
            c.CommandText = "SELECT namespace, workflow_id, run_id FROM current_executions";
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                data.CurrentRuns.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
            }
        }

        using (var c = connection.CreateCommand())
        {
            c.CommandText = "SELECT run_id, state FROM executions WHERE status = 1";
            using var r = c.ExecuteReader();
            while (r.Read())
            {
                data.OpenRuns.Add((r.GetString(0), (byte[])r[1]));
            }
        }

        return data;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var c = connection.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.Run(writerThread.Join).ConfigureAwait(false);
        if (prepared is not null)
        {
            foreach (var command in prepared.Values)
            {
                command.Dispose();
            }
        }

        await writer.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
    }
}

/// <summary>What <see cref="SqliteStore.Recover"/> read.</summary>
internal sealed class RecoveredData
{
    /// <summary>Namespaces: name, id, serialized description.</summary>
    public List<(string Name, string Id, byte[] Data)> Namespaces { get; } = [];

    /// <summary>Registered custom search attributes.</summary>
    public List<(string Namespace, string Name, int Kind)> SearchAttributes { get; } = [];

    /// <summary>Current-run pointers.</summary>
    public List<(string Namespace, string WorkflowId, string RunId)> CurrentRuns { get; } = [];

    /// <summary>Open runs: run id and state.</summary>
    public List<(string RunId, byte[] State)> OpenRuns { get; } = [];
}
