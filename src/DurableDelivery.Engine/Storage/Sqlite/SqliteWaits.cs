using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DurableDelivery.Engine.Storage.Sqlite;

/// <summary>
/// SQLite's two waits, made to last what they ask for on every build of the library: the VFS sleep (<c>xSleep</c>) and
/// the busy handler.
/// </summary>
/// <remarks>
/// <para>
/// The bundled library (SQLitePCLRaw.lib.e_sqlite3 2.0.6, SQLite 3.35.5, linux-x64) was compiled without
/// <c>HAVE_USLEEP</c>: it imports <c>sleep</c>, not <c>usleep</c>, so its unix VFS rounds every sleep up to whole
/// seconds (<c>sqlite3_sleep(1)</c> takes 1.000 s and returns 1000), and its default busy handler waits in steps of one
/// second, or not at all when the timeout is under a second. Two things follow. A connection that begins a read while
/// the writer commits every millisecond, and finds the WAL index changing under it more than five times in a row, sleeps
/// before its sixth try (<c>walTryBeginRead</c>: 1 µs asked) and so parks for a full second: the 1,000 ms writer batches
/// and the "stalls of about 1 s" at 100 concurrent workflows (docs/benchmarks.md, engine, sessions 5 to 7). And a writer
/// of another process that finds the write lock taken waits one second per try, while a 50 ms busy timeout does not wait.
/// </para>
/// <para>
/// The fix does not change the library: a VFS that is the default VFS with only <c>xSleep</c> replaced is registered as
/// the default (SQLite's documented way to wrap a VFS; every connection opened after it uses it), and every store
/// connection's busy timeout is a busy handler with SQLite's own schedule for builds with <c>usleep</c> (1, 2, 5, 10,
/// 15, 20, 25, 25, 25, 50, 50, 100 ms, then 100 ms, until the timeout). Both behave the same on the system's SQLite, which
/// sleeps correctly already.
/// </para>
/// </remarks>
internal static unsafe class SqliteWaits
{
    /// <summary>The name of the registered VFS: the default VFS with an exact <c>xSleep</c>.</summary>
    public const string VfsName = "dd-exact-sleep";

    /// <summary>SQLite's busy-wait schedule on builds with <c>usleep</c> (<c>sqliteDefaultBusyCallback</c>), in ms.</summary>
    private static readonly int[] Delays = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

    /// <summary>How long the schedule has waited before its n-th wait (n = 0 .. <see cref="Delays"/>.Length), in ms.</summary>
    private static readonly long[] Waited = [.. Enumerable.Range(0, Delays.Length + 1).Select(n => (long)Delays.Take(n).Sum())];

    private static delegate* unmanaged[Cdecl]<IntPtr, delegate* unmanaged[Cdecl]<IntPtr, int, int>, IntPtr, int> busyHandler;
    private static delegate* unmanaged[Cdecl]<uint, int> usleep;
    private static delegate* unmanaged[Cdecl]<int, int> sqliteSleep;
    private static long sleeps;
    private static long sleptMicroseconds;
    private static long busyWaits;

    /// <summary>Whether <see cref="Install"/> replaced the default VFS's sleep; false until then, or when it was left out.</summary>
    public static bool Installed { get; private set; }

    /// <summary>How many times SQLite asked the VFS to sleep, in this process (for tests and the benchmark).</summary>
    public static long Sleeps => Interlocked.Read(ref sleeps);

    /// <summary>The microseconds SQLite asked the VFS to sleep, in total.</summary>
    public static long SleptMicroseconds => Interlocked.Read(ref sleptMicroseconds);

    /// <summary>How many times a store connection's busy handler waited for a lock.</summary>
    public static long BusyWaits => Interlocked.Read(ref busyWaits);

    /// <summary>
    /// Registers the exact-sleep VFS as the default of the loaded SQLite library and resolves its busy-handler API. Called
    /// once per process by <see cref="SqliteNative.EnsureInitialized"/>, before any store connection is opened.
    /// </summary>
    /// <param name="library">The handle of the SQLite library the provider uses.</param>
    /// <param name="replaceSleep">False keeps the library's own sleep (the benchmark's A/B switch); the busy handler is installed either way.</param>
    public static void Install(IntPtr library, bool replaceSleep)
    {
        sqliteSleep = (delegate* unmanaged[Cdecl]<int, int>)NativeLibrary.GetExport(library, "sqlite3_sleep");
        busyHandler = (delegate* unmanaged[Cdecl]<IntPtr, delegate* unmanaged[Cdecl]<IntPtr, int, int>, IntPtr, int>)
            NativeLibrary.GetExport(library, "sqlite3_busy_handler");

        // glibc's usleep for sleeps under a millisecond; without it, sleeps round up to a millisecond as SQLite's own
        // Windows VFS does (winSleep), which is still three orders of magnitude better than a second.
        if (NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "usleep", out var us))
        {
            usleep = (delegate* unmanaged[Cdecl]<uint, int>)us;
        }

        if (!replaceSleep)
        {
            return;
        }

        var find = (delegate* unmanaged[Cdecl]<byte*, Vfs*>)NativeLibrary.GetExport(library, "sqlite3_vfs_find");
        var register = (delegate* unmanaged[Cdecl]<Vfs*, int, int>)NativeLibrary.GetExport(library, "sqlite3_vfs_register");
        var name = (byte*)Marshal.StringToCoTaskMemUTF8(VfsName);
        if (find(name) is not null)
        {
            // Already registered in this process (another copy of the engine's assembly, as in a test host): keep it.
            Marshal.FreeCoTaskMem((IntPtr)name);
            Installed = true;
            return;
        }

        var original = find(null);
        if (original is null)
        {
            throw new InvalidOperationException("SQLite has no default VFS to wrap.");
        }

        // A copy of the default VFS (same methods, same szOsFile and pAppData, so its files are the default VFS's files),
        // kept for the life of the process as SQLite requires of a registered VFS.
        var size = original->iVersion >= 3 ? sizeof(Vfs) : original->iVersion == 2 ? (int)Marshal.OffsetOf<Vfs>(nameof(Vfs.xSetSystemCall)) : (int)Marshal.OffsetOf<Vfs>(nameof(Vfs.xCurrentTimeInt64));
        var shim = (Vfs*)NativeMemory.AllocZeroed((nuint)sizeof(Vfs));
        Buffer.MemoryCopy(original, shim, sizeof(Vfs), size);
        shim->pNext = null;
        shim->zName = name;
        shim->xSleep = (IntPtr)(delegate* unmanaged[Cdecl]<Vfs*, int, int>)&Sleep;
        var rc = register(shim, 1);
        if (rc != 0)
        {
            throw new InvalidOperationException($"sqlite3_vfs_register failed ({rc}).");
        }

        Installed = true;
    }

    /// <summary>
    /// Sets the connection's busy timeout (what <c>PRAGMA busy_timeout</c> and <c>sqlite3_busy_timeout</c> set) with a
    /// handler that waits SQLite's sub-second schedule on every build; 0 or less means no waiting.
    /// </summary>
    public static void SetBusyTimeout(SQLitePCL.sqlite3 db, int milliseconds)
    {
        if (busyHandler is null || milliseconds <= 0)
        {
            SQLitePCL.raw.sqlite3_busy_timeout(db, milliseconds);
            return;
        }

        var rc = busyHandler(db.DangerousGetHandle(), &Busy, milliseconds);
        if (rc != 0)
        {
            throw new InvalidOperationException($"sqlite3_busy_handler failed ({rc}).");
        }
    }

    /// <summary>
    /// <c>sqlite3_sleep</c>: sleeps through the default VFS and returns the milliseconds it says it slept (what tests
    /// check: the bundled library's own VFS says 1000 for 1).
    /// </summary>
    public static int SqliteSleep(int milliseconds) =>
        sqliteSleep is null ? throw new InvalidOperationException("SQLite is not initialized.") : sqliteSleep(milliseconds);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Sleep(Vfs* vfs, int microseconds)
    {
        Interlocked.Increment(ref sleeps);
        if (microseconds <= 0)
        {
            return 0;
        }

        Interlocked.Add(ref sleptMicroseconds, microseconds);
        if (usleep is not null && microseconds < 1_000_000)
        {
            usleep((uint)microseconds);
        }
        else
        {
            Thread.Sleep((int)((microseconds + 999L) / 1000));
        }

        return microseconds;
    }

    /// <summary>The busy handler: <paramref name="timeout"/> is the timeout in ms; returns 0 to give up (SQLITE_BUSY).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Busy(IntPtr timeout, int count)
    {
        var limit = (long)timeout;
        var last = Delays.Length - 1;
        var (waited, delay) = count <= last
            ? (Waited[count], Delays[count])
            : (Waited[^1] + ((long)(count - Delays.Length) * Delays[last]), Delays[last]);
        if (waited + delay > limit)
        {
            delay = (int)(limit - waited);
            if (delay <= 0)
            {
                return 0;
            }
        }

        Interlocked.Increment(ref busyWaits);
        Thread.Sleep(delay);
        return 1;
    }

    /// <summary>The C <c>sqlite3_vfs</c> structure, version 3 (SQLite 3.7.10 and later).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Vfs
    {
#pragma warning disable SA1307, CS0649 // Field names and layout are SQLite's.
        public int iVersion;
        public int szOsFile;
        public int mxPathname;
        public Vfs* pNext;
        public byte* zName;
        public IntPtr pAppData;
        public IntPtr xOpen;
        public IntPtr xDelete;
        public IntPtr xAccess;
        public IntPtr xFullPathname;
        public IntPtr xDlOpen;
        public IntPtr xDlError;
        public IntPtr xDlSym;
        public IntPtr xDlClose;
        public IntPtr xRandomness;
        public IntPtr xSleep;
        public IntPtr xCurrentTime;
        public IntPtr xGetLastError;
        public IntPtr xCurrentTimeInt64;
        public IntPtr xSetSystemCall;
        public IntPtr xGetSystemCall;
        public IntPtr xNextSystemCall;
#pragma warning restore SA1307, CS0649
    }
}
