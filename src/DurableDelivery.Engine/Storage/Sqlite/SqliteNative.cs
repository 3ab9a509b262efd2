using System.Runtime.InteropServices;
using DurableDelivery.Engine.Exceptions;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// Which SQLite library the store runs on. The bundled one (SQLitePCLRaw.bundle_e_sqlite3 2.0.6, SQLite 3.35.5) by default;
/// <c>DD_SQLITE_LIBRARY=&lt;path&gt;</c> loads another build of the same C API instead, e.g. the system's
/// <c>/usr/lib/x86_64-linux-gnu/libsqlite3.so.0</c>. Either way the library's sleep and busy waits are replaced by
/// exact ones (<see cref="SqliteWaits"/>): the bundled build sleeps in whole seconds.
/// </summary>
internal static class SqliteNative
{
    /// <summary>The environment variable that names the SQLite library to load instead of the bundled one.</summary>
    public const string Variable = "DD_SQLITE_LIBRARY";

    /// <summary>The oldest SQLite the store's SQL runs on (<c>RETURNING</c>).</summary>
    private const int MinimumVersion = 3_035_000;

    private static readonly Lock Gate = new();

    /// <summary>
    /// Keeps the library's own VFS sleep instead of <see cref="SqliteWaits"/>' exact one: the benchmark's A/B switch
    /// (<c>--library-sleep</c>), set before the first store opens. Never set in the product.
    /// </summary>
    internal static bool KeepLibrarySleep { get; set; }

    /// <summary>
    /// Keeps the library's serialized threading mode and memory statistics instead of
    /// <see cref="ConfigureBeforeFirstConnection"/>: the benchmark's A/B switch (<c>--sqlite-serialized</c>). Never set in the product.
    /// </summary>
    internal static bool LibraryThreading { get; set; }

    /// <summary>Gets a value indicating whether SQLite runs in multi-thread mode without memory statistics (false if it was initialized before the store could configure it).</summary>
    internal static bool Configured { get; private set; }

    private static bool initialized;
    private static StoreException? failure;

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

    /// <summary>Whether the loaded SQLite has the JSON functions (built in since 3.38; an option before).</summary>
    private static bool HasJson()
    {
        try
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT json_extract('{\"a\":1}', '$.a')";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return false;
        }
    }

    /// <summary>Sets SQLite up once per process: the library <see cref="Variable"/> names, or the bundled one.</summary>
    /// <exception cref="StoreException">The named library cannot be loaded or is too old; nothing was opened.</exception>
    public static void EnsureInitialized()
    {
        lock (Gate)
        {
            if (initialized)
            {
                return;
            }

            // A library that failed once fails the same way for every store this process opens (its resolver is set for good).
            if (failure is not null)
            {
                throw failure;
            }

            var path = Environment.GetEnvironmentVariable(Variable);
            var library = IntPtr.Zero;
            if (!string.IsNullOrEmpty(path))
            {
                if (!NativeLibrary.TryLoad(path, out library))
                {
                    throw failure = new StoreException(
                        $"{Variable}='{path}' cannot be loaded as a shared library; name a SQLite build such as /usr/lib/x86_64-linux-gnu/libsqlite3.so.0, or unset {Variable} to use the bundled SQLite 3.35.5.");
                }

                // The bundled provider imports "e_sqlite3": hand it the named library instead (same C API).
                NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, (name, _, _) => name == "e_sqlite3" ? library : IntPtr.Zero);
            }

            SQLitePCL.Batteries_V2.Init();
            if (!LibraryThreading)
            {
                ConfigureBeforeFirstConnection();
            }

            var version = SQLitePCL.raw.sqlite3_libversion_number();
            if (version < MinimumVersion)
            {
                throw failure = new StoreException(
                    $"{Variable}='{path}' is SQLite {SQLitePCL.raw.sqlite3_libversion().utf8_to_string()}; the store needs 3.35.0 or later (RETURNING). Name a newer build or unset {Variable}.");
            }

            if (!string.IsNullOrEmpty(path) && !HasJson())
            {
                throw failure = new StoreException(
                    $"{Variable}='{path}' is a SQLite build without the JSON functions (json_extract), which the store uses; name a build with JSON1 or unset {Variable}.");
            }

            // The library the provider imports (the named one, through the resolver above, or the bundled one).
            if (library == IntPtr.Zero)
            {
                library = NativeLibrary.Load("e_sqlite3", typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, null);
            }

            try
            {
                SqliteWaits.Install(library, replaceSleep: !KeepLibrarySleep);
            }
            catch (Exception e) when (e is InvalidOperationException or EntryPointNotFoundException)
            {
                // Once SQLite is initialized its configuration cannot be redone: every later store fails the same way.
                throw failure = new StoreException($"SQLite's waits could not be set up ({e.Message}); the SQLite library lacks sqlite3_vfs_register or sqlite3_busy_handler. Unset {Variable} to use the bundled SQLite.", e);
            }

            initialized = true;
        }
    }
}
