using System.Diagnostics;
using System.Runtime.InteropServices;
using DurableDelivery.Engine.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// The store uses the bundled SQLite's own sleep and busy handler. That holds only because this build (SQLitePCLRaw
/// 3.0.5, SQLite 3.53) sleeps what it is asked: the previous bundle (2.0.6, SQLite 3.35.5) was built without
/// <c>usleep</c>, so <c>sqlite3_sleep(1)</c> took a whole second (a reader's sixth WAL read-lock try parked the store for
/// a second), its busy handler waited a second per try and a 50 ms busy timeout did not wait at all; the store replaced
/// both until the upgrade (docs/benchmarks.md, engine, sessions 7 and 9). These tests fail on such a build.
/// </summary>
public sealed class BundledSqliteWaitsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-waits-" + Guid.NewGuid().ToString("N")[..10]);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SleepFunction(int milliseconds);

    [Fact]
    public void SqliteSleep_OneMillisecond_SleepsAMillisecondNotASecond()
    {
        SqliteNative.EnsureInitialized();

        // sqlite3_sleep(ms) asks the default VFS for ms x 1000 us and returns what it says it slept, in ms: a build
        // without usleep/nanosleep returns 1000 (it called sleep(1)). SQLitePCL.raw does not wrap it.
        var library = NativeLibrary.Load("e_sqlite3", typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, null);
        var sleep = Marshal.GetDelegateForFunctionPointer<SleepFunction>(NativeLibrary.GetExport(library, "sqlite3_sleep"));
        var watch = Stopwatch.StartNew();
        var slept = sleep(1);
        var elapsed = watch.Elapsed;
        output.WriteLine($"SQLite {SQLitePCL.raw.sqlite3_libversion().utf8_to_string()}: sqlite3_sleep(1) returned {slept} after {elapsed.TotalMilliseconds:0.###} ms");
        slept.ShouldBe(1);
        elapsed.ShouldBeLessThan(TimeSpan.FromMilliseconds(500), "a whole-second sleep means the build rounds sleeps up to seconds");
    }

    [Fact]
    public async Task AWriterThatFindsTheLockTaken_GetsItSoonAfterItIsFreed()
    {
        var (holder, waiter) = HoldTheWriteLock("locks.db");
        using var _ = holder;
        using var __ = waiter;
        SQLitePCL.raw.sqlite3_busy_timeout(waiter.Handle, SqliteWorkflowStore.BusyTimeoutMilliseconds);
        var freed = 0L;
        var begin = Task.Factory.StartNew(
            () =>
            {
                var rc = SQLitePCL.raw.sqlite3_exec(waiter.Handle, "BEGIN IMMEDIATE");
                return (rc, Stopwatch.GetElapsedTime(Interlocked.Read(ref freed)));
            },
            TaskCreationOptions.LongRunning);

        // 300 ms into its waits: SQLite's sub-second schedule waits at most 100 ms between tries from there; a build that
        // waits a second per try would take about 700 ms more.
        await Task.Delay(300);
        begin.IsCompleted.ShouldBeFalse("the waiter waits for the lock instead of giving up");
        Interlocked.Exchange(ref freed, Stopwatch.GetTimestamp());
        Exec(holder, "COMMIT");
        var (rc, afterFree) = await begin;
        output.WriteLine($"BEGIN IMMEDIATE returned {rc} {afterFree.TotalMilliseconds:0.#} ms after the lock was freed");
        rc.ShouldBe(SQLitePCL.raw.SQLITE_OK);
        afterFree.ShouldBeLessThan(TimeSpan.FromMilliseconds(500));
        Exec(waiter, "COMMIT");
    }

    [Fact]
    public void ABusyTimeoutUnderASecond_WaitsBeforeGivingUp()
    {
        var (holder, waiter) = HoldTheWriteLock("short.db");
        using var _ = holder;
        using var __ = waiter;

        // The WAL restart's 50 ms (SqliteWriter): 1 + 2 + 5 + 10 + 15 ms, then the 17 ms left. A build that waits in
        // whole seconds gives up at once under a second ((count+1) x 1000 > 50).
        SQLitePCL.raw.sqlite3_busy_timeout(waiter.Handle, 50);
        var watch = Stopwatch.StartNew();
        SQLitePCL.raw.sqlite3_exec(waiter.Handle, "BEGIN IMMEDIATE").ShouldBe(SQLitePCL.raw.SQLITE_BUSY);
        output.WriteLine($"SQLITE_BUSY after {watch.Elapsed.TotalMilliseconds:0.#} ms");
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(45));
        Exec(holder, "COMMIT");
    }

    /// <summary>A WAL database whose write lock one connection holds, and a second connection to it.</summary>
    private (SqliteConnection Holder, SqliteConnection Waiter) HoldTheWriteLock(string file)
    {
        SqliteNative.EnsureInitialized();
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, file);
        var holder = Open(path);
        Exec(holder, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES(1);");
        return (holder, Open(path));
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Exec(SqliteConnection connection, string sql) =>
        SQLitePCL.raw.sqlite3_exec(connection.Handle, sql).ShouldBe(SQLitePCL.raw.SQLITE_OK, sql);

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }
}
