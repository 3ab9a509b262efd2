using System.Diagnostics;
using DurableDelivery.Engine.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// The bundled SQLite (3.35.5, SQLitePCLRaw.lib.e_sqlite3 2.0.6) was built without <c>usleep</c>: its VFS rounds every
/// sleep up to whole seconds and its busy handler waits a second per try, or not at all under a second. A reader that
/// retries <c>walTryBeginRead</c> six times parked the store for a second at a time under load. The store replaces both
/// waits (<see cref="SqliteWaits"/>); these tests fail on the bundled library without it.
/// </summary>
public sealed class SqliteWaitsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-waits-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public void DefaultVfsSleep_OneMillisecond_SleepsAMillisecondNotASecond()
    {
        SqliteNative.EnsureInitialized();
        SqliteWaits.Installed.ShouldBeTrue();
        var before = SqliteWaits.Sleeps;
        var watch = Stopwatch.StartNew();

        // sqlite3_sleep(ms) asks the default VFS for ms x 1000 us and returns what it says it slept, in ms: the bundled
        // library's own VFS returns 1000 (it called sleep(1)), a VFS with usleep returns 1.
        var slept = SqliteWaits.SqliteSleep(1);
        var elapsed = watch.Elapsed;
        output.WriteLine($"sqlite3_sleep(1) returned {slept} after {elapsed.TotalMilliseconds:0.###} ms");
        slept.ShouldBe(1);
        (SqliteWaits.Sleeps - before).ShouldBeGreaterThanOrEqualTo(1, "the default VFS's xSleep is the store's");
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), "a whole-second sleep means the library's own xSleep ran");
    }

    [Fact]
    public async Task AWriterThatFindsTheLockTaken_WaitsInMilliseconds_AndGetsItSoonAfterItIsFreed()
    {
        var (holder, waiter) = HoldTheWriteLock("locks.db");
        using var _ = holder;
        using var __ = waiter;
        SqliteWaits.SetBusyTimeout(waiter.Handle!, SqliteWorkflowStore.BusyTimeoutMilliseconds);
        var before = SqliteWaits.BusyWaits;
        var freed = 0L;
        var begin = Task.Factory.StartNew(
            () =>
            {
                var rc = SQLitePCL.raw.sqlite3_exec(waiter.Handle, "BEGIN IMMEDIATE");
                return (rc, Stopwatch.GetElapsedTime(Interlocked.Read(ref freed)));
            },
            TaskCreationOptions.LongRunning);

        // The waiter is inside its busy handler (the library's own handler would not count), then the lock is freed.
        await Eventually.EventuallyAsync(() => SqliteWaits.BusyWaits > before, TimeSpan.FromSeconds(20), "the writer waits in the store's busy handler");
        Interlocked.Exchange(ref freed, Stopwatch.GetTimestamp());
        Exec(holder, "COMMIT");
        var (rc, afterFree) = await begin;
        output.WriteLine($"BEGIN IMMEDIATE returned {rc} {afterFree.TotalMilliseconds:0.#} ms after the lock was freed ({SqliteWaits.BusyWaits - before} busy waits)");
        rc.ShouldBe(SQLitePCL.raw.SQLITE_OK);

        // The handler's longest wait is 100 ms; the library's own waits a whole second per try.
        afterFree.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        Exec(waiter, "COMMIT");
    }

    [Fact]
    public void ABusyTimeoutUnderASecond_WaitsBeforeGivingUp()
    {
        var (holder, waiter) = HoldTheWriteLock("short.db");
        using var _ = holder;
        using var __ = waiter;

        // The WAL restart's 50 ms: the library's own handler gives up at once under a second ((count+1) x 1000 > 50).
        SqliteWaits.SetBusyTimeout(waiter.Handle!, 50);
        var before = SqliteWaits.BusyWaits;
        SQLitePCL.raw.sqlite3_exec(waiter.Handle, "BEGIN IMMEDIATE").ShouldBe(SQLitePCL.raw.SQLITE_BUSY);

        // 1 + 2 + 5 + 10 + 15 ms, then the 17 ms left: six waits (at least: tests running beside it may add theirs).
        (SqliteWaits.BusyWaits - before).ShouldBeGreaterThanOrEqualTo(6);
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
