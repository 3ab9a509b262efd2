using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace DurableDelivery.Bench;

/// <summary>
/// Figure 1: the physical bound. One SQLite connection in WAL mode with synchronous=FULL commits one small insert per
/// transaction, as fast as it can, in a file on the same file system as the engine's data directories.
/// </summary>
internal static class CommitRateBench
{
    /// <summary>Returns commits per second.</summary>
    public static double Run(string dir, TimeSpan duration)
    {
        DurableDelivery.Engine.Storage.Sqlite.SqliteNative.EnsureInitialized();
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "commit-rate.db");
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        using (var conn = new SqliteConnection(cs))
        {
            conn.Open();
            using (var setup = conn.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);";
                setup.ExecuteNonQuery();
            }

            using var begin = conn.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            using var insert = conn.CreateCommand();
            insert.CommandText = "INSERT INTO t(v) VALUES($v)";
            var v = insert.Parameters.Add("$v", SqliteType.Text);
            using var commit = conn.CreateCommand();
            commit.CommandText = "COMMIT";
            begin.Prepare();
            insert.Prepare();
            commit.Prepare();

            long commits = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < duration)
            {
                begin.ExecuteNonQuery();
                v.Value = "a small row of about forty bytes of text";
                insert.ExecuteNonQuery();
                commit.ExecuteNonQuery();
                commits++;
            }

            sw.Stop();
            return commits / sw.Elapsed.TotalSeconds;
        }
    }
}
