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
internal sealed class SqlCommands(SqliteConnection connection, StatementCounter? counter = null) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> cache = new(StringComparer.Ordinal);

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
                ps[i].Value = parameters[i].Value ?? DBNull.Value;
            }

            return cmd;
        }

        ps.Clear();
        foreach (var (name, value) in parameters)
        {
            ps.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

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

    public int Exec(string sql, params (string Name, object? Value)[] parameters) => Get(sql, parameters).ExecuteNonQuery();

    public object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
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

    public void Dispose()
    {
        foreach (var c in cache.Values)
        {
            c.Dispose();
        }

        cache.Clear();
    }
}
