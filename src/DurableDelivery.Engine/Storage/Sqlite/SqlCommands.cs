using Microsoft.Data.Sqlite;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>Prepared commands cached per SQL text on one connection (the hot paths run the same few statements).</summary>
internal sealed class SqlCommands(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> cache = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    public SqliteCommand Get(string sql, params (string Name, object? Value)[] parameters)
    {
        if (!cache.TryGetValue(sql, out var cmd))
        {
            cmd = Connection.CreateCommand();
            cmd.CommandText = sql;
            cache[sql] = cmd;
        }

        cmd.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
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
