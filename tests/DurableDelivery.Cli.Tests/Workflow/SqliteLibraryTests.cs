using DurableDelivery.Cli.Tests.Support;

namespace DurableDelivery.Cli.Tests.Workflow;

/// <summary>
/// <c>DD_SQLITE_LIBRARY</c>: the store runs on another build of SQLite (here the system's) instead of the bundled 3.35.5,
/// checked in the processes' memory maps; a library that cannot be loaded is a one-line error and nothing is created.
/// </summary>
public sealed class SqliteLibraryTests
{
    /// <summary>Debian's libsqlite3 (package libsqlite3-0; .ci/run installs it when it is missing).</summary>
    private const string SystemSqlite = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0";

    [Fact]
    public async Task WorkerAndCli_OnTheSystemSqlite_RunAWorkflowToCompletion()
    {
        File.Exists(SystemSqlite).ShouldBeTrue($"{SystemSqlite} is missing: install libsqlite3-0 (.ci/run does)");
        using var dir = new TempDataDir();
        var environment = new Dictionary<string, string?> { ["DD_SQLITE_LIBRARY"] = SystemSqlite };
        await using var worker = await WorkerProcess.StartAsync(dir.Path, environment: environment);

        var maps = await File.ReadAllTextAsync($"/proc/{worker.Id}/maps");
        maps.ShouldContain("libsqlite3.so.0", customMessage: "the worker loaded the named library");
        maps.ShouldNotContain("libe_sqlite3", customMessage: "and not the bundled one");

        string[] store = ["--data-dir", dir.Path, "--output", "json"];
        const string Id = "approval/system-sqlite";
        (await Ddctl.RunAsync(environment, ["workflow", "start", "--type", "ApprovalWorkflow", "-w", Id, "--input", """{"change":"pr-7","bakeSeconds":0}""", .. store])).OkJson();
        await Eventually.UntilAsync(
            async () => (await Ddctl.RunAsync(environment, ["workflow", "query", "-w", Id, "--name", "status", .. store])).OkJson(),
            s => s["result"]!["phase"]!.GetValue<string>() == "waiting-for-approvals",
            TimeSpan.FromSeconds(20),
            "the check activity ran");
        (await Ddctl.RunAsync(environment, ["workflow", "signal", "-w", Id, "--name", "approve", "--input", "\"alice\"", .. store])).OkJson();
        var done = await Eventually.UntilAsync(
            async () => (await Ddctl.RunAsync(environment, ["workflow", "describe", "-w", Id, .. store])).OkJson(),
            d => d["status"]!.GetValue<string>() != "Running",
            TimeSpan.FromSeconds(20),
            "the workflow closed");
        done["status"]!.GetValue<string>().ShouldBe("Completed", done.ToJsonString());
    }

    [Fact]
    public async Task ALibraryThatCannotBeLoaded_IsAOneLineError_AndNothingIsCreated()
    {
        using var dir = new TempDataDir();
        var data = Path.Combine(dir.Path, "store");
        var result = await Ddctl.RunAsync(new Dictionary<string, string?> { ["DD_SQLITE_LIBRARY"] = "/nonexistent/libsqlite3.so" }, ["worker", "run", "--data-dir", data]);

        result.ExitCode.ShouldNotBe(0, result.ToString());
        result.Stderr.ShouldBe("error: DD_SQLITE_LIBRARY='/nonexistent/libsqlite3.so' cannot be loaded as a shared library; name a SQLite build such as /usr/lib/x86_64-linux-gnu/libsqlite3.so.0, or unset DD_SQLITE_LIBRARY to use the bundled SQLite 3.35.5.\n");
        File.Exists(Path.Combine(data, "engine.db")).ShouldBeFalse("nothing opened, nothing created");
    }
}
