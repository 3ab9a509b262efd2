using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>Counts statements run (for benchmarks and cost tests); shared by the connections it is given to.</summary>
internal sealed class StatementCounter
{
    private long count;

    public long Count => Interlocked.Read(ref count);

    public void Add() => Interlocked.Increment(ref count);
}

/// <summary>Prepared commands cached per SQL text on one connection (the hot paths run the same few statements).</summary>
/// <remarks>
/// <see cref="Exec"/> and <see cref="Scalar"/> run their statement on the connection's raw SQLite handle (see
/// <see cref="RawStatement"/>): Microsoft.Data.Sqlite 6 allocated a data reader, a statement enumerator, a stopwatch and,
/// per parameter, a binder and the parameter's name in UTF-8 on every execution, which was about a quarter of the
/// process's allocations in the engine benchmark (measured before the move to Microsoft.Data.Sqlite 10). <see cref="Query{T}"/> keeps the library's reader (its callers map rows
/// from a <see cref="SqliteDataReader"/>).
/// </remarks>
internal sealed class SqlCommands(SqliteConnection connection, StatementCounter? counter = null) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement?> raws = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    public SqliteCommand Get(string sql, params (string Name, object? Value)[] parameters)
    {
        counter?.Add();
        if (!cache.TryGetValue(sql, out var cmd))
        {
            cmd = Connection.CreateCommand();
            cmd.CommandText = sql;
            cache[sql] = cmd;
        }

        // The same SQL text comes with the same parameter names in the same order: reuse the parameter objects.
        var ps = cmd.Parameters;
        if (ps.Count == parameters.Length && SameNames(ps, parameters))
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                ps[i].Value = LibraryValue(parameters[i].Value);
            }

            return cmd;
        }

        ps.Clear();
        foreach (var (name, value) in parameters)
        {
            ps.AddWithValue(name, LibraryValue(value));
        }

        return cmd;
    }

    private static object LibraryValue(object? value) => value switch
    {
        null => DBNull.Value,
        Utf8Text text => text.ToString(),
        _ => value,
    };

    private static bool SameNames(SqliteParameterCollection ps, (string Name, object? Value)[] parameters)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            if (!string.Equals(ps[i].ParameterName, parameters[i].Name, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public int Exec(string sql, params (string Name, object? Value)[] parameters)
    {
        if (RawFor(sql, parameters) is { } raw)
        {
            counter?.Add();
            return raw.Execute(Connection, parameters);
        }

        return Get(sql, parameters).ExecuteNonQuery();
    }

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        if (RawFor(sql, parameters) is { } raw)
        {
            counter?.Add();
            return raw.Scalar(Connection, parameters);
        }

        var v = Get(sql, parameters).ExecuteScalar();
        return v is DBNull ? null : v;
    }

    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        var list = new List<T>();
        using var r = Get(sql, parameters).ExecuteReader();
        while (r.Read())
        {
            list.Add(map(r));
        }

        return list;
    }

    /// <summary>
    /// As <see cref="Query{T}"/> for maps that read columns by index only (<see cref="SqlRow"/>): on the raw SQLite handle
    /// when the statement allows it, through the library's reader otherwise.
    /// </summary>
    public List<T> Rows<T>(string sql, Func<SqlRow, T> map, params (string Name, object? Value)[] parameters)
    {
        var list = new List<T>();
        if (RawFor(sql, parameters) is { } raw)
        {
            counter?.Add();
            raw.ReadRows(Connection, parameters, list, map);
            return list;
        }

        using var r = Get(sql, parameters).ExecuteReader();
        while (r.Read())
        {
            list.Add(map(new SqlRow(r)));
        }

        return list;
    }

    public void Dispose()
    {
        foreach (var c in cache.Values)
        {
            c.Dispose();
        }

        cache.Clear();
        foreach (var r in raws.Values)
        {
            r?.Dispose();
        }

        raws.Clear();
    }

    /// <summary>
    /// The statement prepared on the raw SQLite handle for <paramref name="sql"/>, or null when this call must go through
    /// Microsoft.Data.Sqlite (several statements in one text, a parameter value of a type the raw path does not bind, or
    /// parameters that do not match the statement's: the library then reports the error as it always did).
    /// </summary>
    private RawStatement? RawFor(string sql, (string Name, object? Value)[] parameters)
    {
        if (!raws.TryGetValue(sql, out var raw))
        {
            raw = RawStatement.TryPrepare(Connection, sql);
            raws[sql] = raw;
        }

        return raw is not null && raw.Accepts(parameters) ? raw : null;
    }
}

/// <summary>
/// One statement prepared with SQLite's own API on a connection's handle, bound by parameter index and stepped directly.
/// It behaves as <see cref="SqliteCommand.ExecuteNonQuery()"/> and <see cref="SqliteCommand.ExecuteScalar()"/> do for one
/// statement: the same values bound the same way (text as UTF-8, integers and booleans as 64-bit integers, reals, blobs,
/// null), rows changed (or -1 for a statement that writes nothing), SQLITE_BUSY retried until the connection's default
/// timeout, and errors thrown as <see cref="SqliteException"/> with SQLite's message.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly SQLitePCL.sqlite3_stmt stmt;
    private readonly string[] names;

    // The statement's parameter index for each of the current call's parameters (set by Accepts, used by Bind).
    private readonly int[] indices;
    private readonly bool readOnly;

    private RawStatement(SQLitePCL.sqlite3_stmt stmt)
    {
        this.stmt = stmt;
        var count = SQLitePCL.raw.sqlite3_bind_parameter_count(stmt);
        names = new string[count];
        indices = new int[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = SQLitePCL.raw.sqlite3_bind_parameter_name(stmt, i + 1).utf8_to_string();
        }

        readOnly = SQLitePCL.raw.sqlite3_stmt_readonly(stmt) != 0;
    }

    /// <summary>Prepares <paramref name="sql"/>, or returns null when it holds more than one statement.</summary>
    public static RawStatement? TryPrepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle!;
        var rc = SQLitePCL.raw.sqlite3_prepare_v2(db, sql, out var stmt, out var tail);
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            stmt?.Dispose();

            // Let the library prepare it and report the error its usual way.
            return null;
        }

        if (stmt is null || stmt.IsInvalid || !string.IsNullOrWhiteSpace(tail))
        {
            stmt?.Dispose();
            return null;
        }

        return new RawStatement(stmt);
    }

    /// <summary>Whether the call gives each of the statement's parameters once (in any order), with values this path binds.</summary>
    public bool Accepts((string Name, object? Value)[] parameters)
    {
        if (parameters.Length != names.Length)
        {
            return false;
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            var index = IndexOf(parameters[i].Name, i);
            if (index == 0 || !Bindable(parameters[i].Value))
            {
                return false;
            }

            for (var j = 0; j < i; j++)
            {
                if (indices[j] == index)
                {
                    return false;
                }
            }

            indices[i] = index;
        }

        return true;
    }

    public int Execute(SqliteConnection connection, (string Name, object? Value)[] parameters)
    {
        Bind(parameters);
        try
        {
            int rc;
            while ((rc = Step(connection)) == SQLitePCL.raw.SQLITE_ROW)
            {
            }

            Check(connection, rc, SQLitePCL.raw.SQLITE_DONE);
            return readOnly ? -1 : SQLitePCL.raw.sqlite3_changes(connection.Handle);
        }
        finally
        {
            Reset();
        }
    }

    public object? Scalar(SqliteConnection connection, (string Name, object? Value)[] parameters)
    {
        Bind(parameters);
        try
        {
            var rc = Step(connection);
            if (rc == SQLitePCL.raw.SQLITE_DONE)
            {
                return null;
            }

            Check(connection, rc, SQLitePCL.raw.SQLITE_ROW);
            return SQLitePCL.raw.sqlite3_column_type(stmt, 0) switch
            {
                SQLitePCL.raw.SQLITE_INTEGER => SQLitePCL.raw.sqlite3_column_int64(stmt, 0),
                SQLitePCL.raw.SQLITE_FLOAT => SQLitePCL.raw.sqlite3_column_double(stmt, 0),
                SQLitePCL.raw.SQLITE_TEXT => SQLitePCL.raw.sqlite3_column_text(stmt, 0).utf8_to_string(),
                SQLitePCL.raw.SQLITE_BLOB => SQLitePCL.raw.sqlite3_column_blob(stmt, 0).ToArray(),
                _ => null,
            };
        }
        finally
        {
            Reset();
        }
    }

    public void ReadRows<T>(SqliteConnection connection, (string Name, object? Value)[] parameters, List<T> into, Func<SqlRow, T> map)
    {
        Bind(parameters);
        try
        {
            int rc;
            while ((rc = Step(connection)) == SQLitePCL.raw.SQLITE_ROW)
            {
                into.Add(map(new SqlRow(this)));
            }

            Check(connection, rc, SQLitePCL.raw.SQLITE_DONE);
        }
        finally
        {
            Reset();
        }
    }

    public bool IsNull(int column) => SQLitePCL.raw.sqlite3_column_type(stmt, column) == SQLitePCL.raw.SQLITE_NULL;

    public long GetInt64(int column) => SQLitePCL.raw.sqlite3_column_int64(stmt, column);

    public string GetString(int column) => SQLitePCL.raw.sqlite3_column_text(stmt, column).utf8_to_string();

    public void Dispose() => stmt.Dispose();

    /// <summary>The 1-based index of the parameter called <paramref name="name"/>, or 0; <paramref name="hint"/> is where it usually is.</summary>
    private int IndexOf(string name, int hint)
    {
        if (hint < names.Length && string.Equals(names[hint], name, StringComparison.Ordinal))
        {
            return hint + 1;
        }

        for (var k = 0; k < names.Length; k++)
        {
            if (string.Equals(names[k], name, StringComparison.Ordinal))
            {
                return k + 1;
            }
        }

        return 0;
    }

    private static bool Bindable(object? value) =>
        value is null or DBNull or string or Utf8Text or long or int or short or byte or bool or double or float or byte[];

    private static void Check(SqliteConnection connection, int rc, int expected)
    {
        if (rc != expected)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }
    }

    private int Step(SqliteConnection connection)
    {
        // As Microsoft.Data.Sqlite: SQLITE_BUSY/LOCKED (after the connection's busy_timeout) is retried until the command timeout.
        long? deadline = null;
        while (true)
        {
            var rc = SQLitePCL.raw.sqlite3_step(stmt);
            if (rc is not (SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED))
            {
                return rc;
            }

            var now = Environment.TickCount64;
            deadline ??= now + (connection.DefaultTimeout * 1000L);
            if (now >= deadline)
            {
                return rc;
            }

            SQLitePCL.raw.sqlite3_reset(stmt);
            Thread.Sleep(150);
        }
    }

    private void Reset()
    {
        SQLitePCL.raw.sqlite3_reset(stmt);
        SQLitePCL.raw.sqlite3_clear_bindings(stmt);
    }

    private void Bind((string Name, object? Value)[] parameters)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            var index = indices[i];
            var rc = parameters[i].Value switch
            {
                null or DBNull => SQLitePCL.raw.sqlite3_bind_null(stmt, index),
                string text => BindText(index, text),
                Utf8Text utf8 => BindUtf8(index, utf8.Bytes),
                long l => SQLitePCL.raw.sqlite3_bind_int64(stmt, index, l),
                int n => SQLitePCL.raw.sqlite3_bind_int64(stmt, index, n),
                short n => SQLitePCL.raw.sqlite3_bind_int64(stmt, index, n),
                byte n => SQLitePCL.raw.sqlite3_bind_int64(stmt, index, n),
                bool b => SQLitePCL.raw.sqlite3_bind_int64(stmt, index, b ? 1 : 0),
                double d => SQLitePCL.raw.sqlite3_bind_double(stmt, index, d),
                float f => SQLitePCL.raw.sqlite3_bind_double(stmt, index, f),
                byte[] blob => SQLitePCL.raw.sqlite3_bind_blob(stmt, index, blob),
                var other => throw new InvalidOperationException($"RawStatement cannot bind {other.GetType()}; Accepts should have refused it."),
            };
            if (rc != SQLitePCL.raw.SQLITE_OK)
            {
                Reset();
                SqliteException.ThrowExceptionForRC(rc, SQLitePCL.raw.sqlite3_db_handle(stmt));
            }
        }
    }

    private int BindUtf8(int index, byte[] utf8) => utf8.Length == 0
        ? SQLitePCL.raw.sqlite3_bind_text(stmt, index, string.Empty)
        : SQLitePCL.raw.sqlite3_bind_text(stmt, index, utf8.AsSpan());

    private int BindText(int index, string text)
    {
        if (text.Length == 0)
        {
            // An empty span would pass a null pointer, which SQLite binds as NULL.
            return SQLitePCL.raw.sqlite3_bind_text(stmt, index, string.Empty);
        }

        // SQLite copies the bytes (SQLITE_TRANSIENT), so the buffer goes back to the pool at once.
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(text, buffer);
            return SQLitePCL.raw.sqlite3_bind_text(stmt, index, buffer.AsSpan(0, length));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The current row of <see cref="SqlCommands.Rows{T}"/>: columns by index, from the raw statement or the library's reader.</summary>
internal readonly struct SqlRow
{
    private readonly RawStatement? raw;
    private readonly SqliteDataReader? reader;

    public SqlRow(RawStatement raw) => this.raw = raw;

    public SqlRow(SqliteDataReader reader) => this.reader = reader;

    public bool IsDBNull(int column) => raw?.IsNull(column) ?? reader!.IsDBNull(column);

    public long GetInt64(int column) => raw?.GetInt64(column) ?? reader!.GetInt64(column);

    /// <summary>As <see cref="SqliteDataReader.GetInt32"/>: the 64-bit value, truncated.</summary>
    public int GetInt32(int column) => (int)GetInt64(column);

    public string GetString(int column) => raw?.GetString(column) ?? reader!.GetString(column);

    public string? GetStringOrNull(int column) => IsDBNull(column) ? null : GetString(column);
}

/// <summary>
/// A text value already encoded as UTF-8 (JSON serialized straight to bytes): bound as TEXT without a string in between.
/// </summary>
internal sealed class Utf8Text(byte[] bytes)
{
    public byte[] Bytes { get; } = bytes;

    /// <summary>Gets the text's length in UTF-16 code units, as <see cref="string.Length"/> of the same text.</summary>
    public int Utf16Length => System.Text.Encoding.UTF8.GetCharCount(Bytes);

    public override string ToString() => System.Text.Encoding.UTF8.GetString(Bytes);
}
