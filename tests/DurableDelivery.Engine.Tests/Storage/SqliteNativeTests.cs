using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Storage.Sqlite;

namespace DurableDelivery.Engine.Tests.Storage;

/// <summary>
/// The store sets SQLite up before its first connection: multi-thread mode (each connection is used by one thread at a
/// time) and no memory statistics (a global mutex around every allocation). Together 15% less CPU per workflow and 16%
/// more workflows/s at 100 in flight (docs/benchmarks.md, engine, session 7). Every test of this assembly opens SQLite
/// through the store first, so the configuration must have taken.
/// </summary>
public sealed class SqliteNativeTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "dd-native-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task AStoreIsOpen_SqliteRunsMultiThreadedWithoutMemoryStatistics()
    {
        await using var client = DurableClient.Open(dir);
        SqliteNative.Configured.ShouldBeTrue("sqlite3_config ran before SQLite initialized");

        // With statistics on, an open store's connections hold megabytes of SQLite memory; with them off SQLite counts nothing.
        SQLitePCL.raw.sqlite3_memory_used().ShouldBe(0);
    }

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
