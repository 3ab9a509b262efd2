namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// Sets up the bundled SQLite (SQLitePCLRaw.bundle_e_sqlite3 3.0.5, SQLite 3.53) once per process, before the store's
/// first connection.
/// </summary>
/// <remarks>
/// The library's own waits are used as they are: this build sleeps with <c>nanosleep</c> (<c>sqlite3_sleep(1)</c> takes
/// about 1 ms) and its busy handler waits SQLite's sub-second schedule. The previous bundle (2.0.6, SQLite 3.35.5) slept
/// in whole seconds, which the store worked around with a VFS of its own and a busy handler (SqliteWaits, removed with
/// the upgrade: docs/benchmarks.md, engine, session 9).
/// </remarks>
internal static class SqliteNative
{
    private static readonly Lock Gate = new();

    private static bool initialized;

    /// <summary>
    /// Keeps the library's serialized threading mode and memory statistics instead of
    /// <see cref="ConfigureBeforeFirstConnection"/>: the benchmark's A/B switch (<c>--sqlite-serialized</c>). Never set in the product.
    /// </summary>
    internal static bool LibraryThreading { get; set; }

    /// <summary>Gets a value indicating whether SQLite runs in multi-thread mode without memory statistics (false if it was initialized before the store could configure it).</summary>
    internal static bool Configured { get; private set; }

    /// <summary>Sets SQLite up once per process: the bundled library, in multi-thread mode without memory statistics.</summary>
    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (initialized)
            {
                return;
            }

            SQLitePCL.Batteries_V2.Init();
            if (!LibraryThreading)
            {
                ConfigureBeforeFirstConnection();
            }

            initialized = true;
        }
    }

    /// <summary>
    /// Multi-thread mode and no memory statistics, set before SQLite initializes (the first connection). Every store
    /// connection is used by one thread at a time (the writer's thread, the checkpointer's loop, a reader taken from the
    /// pool), so the per-connection mutexes of the default serialized mode guard nothing, and the memory statistics take
    /// a global mutex around every allocation, which the writer thread and the readers contend for. Without both: 15% less
    /// CPU per workflow and 16% more workflows/s at 100 in flight (docs/benchmarks.md, engine, session 7). If SQLite was
    /// already initialized in this process (a connection opened before any store), it keeps its defaults: slower, as correct.
    /// The setting is the process's: an application that hosts the engine and shares one SQLite connection of its own
    /// between threads at the same time (which Microsoft.Data.Sqlite does not support either) must open a connection
    /// before the first store, so that SQLite keeps its serialized mode.
    /// </summary>
    private static void ConfigureBeforeFirstConnection()
    {
        Configured = SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MULTITHREAD) == SQLitePCL.raw.SQLITE_OK
            & SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0) == SQLitePCL.raw.SQLITE_OK;
    }
}
