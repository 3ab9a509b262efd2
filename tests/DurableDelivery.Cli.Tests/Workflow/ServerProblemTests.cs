using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>A data dir that is not a store: exit 3, one line, and nothing created or changed there.</summary>
public sealed class StoreProblemTests : IDisposable
{
    private readonly TempDataDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task List_MissingDataDir_Exit3AndNothingCreated()
    {
        var result = await Ddctl.RunAsync("workflow", "list", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldBe($"error: No DurableDelivery store in '{dir.Path}' (engine.db not found): start a worker there first ('ddctl worker run --data-dir {dir.Path}') or pass --data-dir of an existing store.\n");
        Directory.Exists(dir.Path).ShouldBeFalse();
    }

    [Fact]
    public async Task List_DataDirFromEnvironment_UsedWhenNoOption()
    {
        var result = await Ddctl.RunAsync(new Dictionary<string, string?> { ["DD_DATA_DIR"] = dir.Path }, "workflow", "list");

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldContain($"No DurableDelivery store in '{dir.Path}'");
    }

    [Fact]
    public async Task List_FileThatIsNotSqlite_Exit3AndFileUnchanged()
    {
        Directory.CreateDirectory(dir.Path);
        await File.WriteAllBytesAsync(Path.Combine(dir.Path, "engine.db"), [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]);
        var before = StoreSnapshot.Files(dir.Path);

        var result = await Ddctl.RunAsync("workflow", "list", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldBe($"error: '{Path.Combine(dir.Path, "engine.db")}' is not a DurableDelivery store (SQLite Error 26: 'file is not a database'.); pass --data-dir of a store.\n");
        StoreSnapshot.Files(dir.Path).ShouldBe(before);
    }

    [Fact]
    public async Task List_SqliteDatabaseOfAnotherApp_Exit3AndDatabaseUnchanged()
    {
        Directory.CreateDirectory(dir.Path);
        var path = Path.Combine(dir.Path, "engine.db");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            SQLitePCL.Batteries_V2.Init();
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "CREATE TABLE orders(id INTEGER PRIMARY KEY, total REAL); INSERT INTO orders(total) VALUES (9.5);";
            cmd.ExecuteNonQuery();
        }

        var before = StoreSnapshot.Files(dir.Path);

        var result = await Ddctl.RunAsync("workflow", "signal", "-w", "x", "--name", "approve", "--input", "\"a\"", "--data-dir", dir.Path);

        result.ExitCode.ShouldBe(3, result.ToString());
        result.Stderr.ShouldBe($"error: '{path}' is an SQLite database but not a DurableDelivery store; pass --data-dir of a store.\n");
        StoreSnapshot.Files(dir.Path).ShouldBe(before);
    }
}
