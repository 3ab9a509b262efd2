using System.Text;

namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>
/// Two throwaway projects in a temp folder, wired exactly like the projects under workflows/ (they import the
/// Directory.Build.props and Directory.Packages.props those projects import, and sit under a folder named
/// <c>workflows</c>, which is what that wiring keys on): <c>Banned</c> calls every banned API once, <c>Clean</c> uses the
/// Workflow.* replacements. Both are built by one real <c>dotnet build</c>, shared by every test of the class.
/// </summary>
public sealed class GuardProbe : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly string root = Path.Combine(Path.GetTempPath(), "dd-determinism-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, int> lineOfEntry = [];

    public string BannedDir => Path.Combine(root, "workflows", "Banned");

    public string CleanDir => Path.Combine(root, "workflows", "Clean");

    public string BannedSource => Path.Combine(BannedDir, "NondeterministicWorkflow.cs");

    public DotnetResult Build { get; private set; } = new(-1, string.Empty);

    public IReadOnlyList<BuildDiagnostic> Diagnostics { get; private set; } = [];

    public TimeSpan BuildTime { get; private set; }

    public IReadOnlyDictionary<string, int> LineOfEntry => lineOfEntry;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(BannedDir);
        Directory.CreateDirectory(CleanDir);
        var offlineFeed = Directory.CreateDirectory(Path.Combine(root, "offline-feed")).FullName;

        // The files a project under workflows/ gets from MSBuild's upward search.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), ImportOf(NearestAboveWorkflows("Directory.Build.props")));
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), ImportOf(NearestAboveWorkflows("Directory.Packages.props")));
        File.WriteAllText(Path.Combine(BannedDir, "Banned.csproj"), ProjectReferencingTheEngine());
        File.WriteAllText(Path.Combine(CleanDir, "Clean.csproj"), ProjectReferencingTheEngine());
        File.WriteAllText(BannedSource, BannedWorkflowSource());
        File.WriteAllText(Path.Combine(CleanDir, "DeterministicWorkflow.cs"), CleanWorkflowSource);
        File.WriteAllText(Path.Combine(root, "Probe.slnx"),
            "<Solution>\n  <Project Path=\"workflows/Banned/Banned.csproj\" />\n  <Project Path=\"workflows/Clean/Clean.csproj\" />\n</Solution>\n");

        // The analyzer package is already in the global packages folder (the solution's restore put it there); an empty
        // local feed as the only source proves the restore needs no network.
        var started = TimeProvider.System.GetTimestamp();
        Build = await DotnetCli.RunAsync(root, BuildTimeout, "build", "Probe.slnx", "--source", offlineFeed,
            "-tl:off", "-clp:NoSummary", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        BuildTime = TimeProvider.System.GetElapsedTime(started);
        Diagnostics = BuildDiagnostic.Parse(Build.Output);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(root, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Diagnostics reported for files of the given probe project folder.</summary>
    public IReadOnlyList<BuildDiagnostic> DiagnosticsUnder(string projectDir) =>
        Diagnostics.Where(d => d.File.StartsWith(projectDir + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList();

    private static string NearestAboveWorkflows(string fileName)
    {
        for (var dir = new DirectoryInfo(Path.Combine(RepoPaths.Root, "workflows")); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no {fileName} above {RepoPaths.Root}/workflows");
    }

    private static string ImportOf(string path) => $"<Project>\n  <Import Project=\"{path}\" />\n</Project>\n";

    private static string ProjectReferencingTheEngine()
    {
        // The real workflows projects reference the engine project; the probes reference the engine assembly the tests
        // were built with, so they never build (or write to) the engine project's folders.
        var references = new StringBuilder();
        foreach (var dll in Directory.GetFiles(AppContext.BaseDirectory, "*.dll")
                     .Where(path => Path.GetFileName(path) is var name
                         && (name == "DurableDelivery.Engine.dll" || name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)))
                     .Order(StringComparer.Ordinal))
        {
            references.Append($"    <Reference Include=\"{Path.GetFileNameWithoutExtension(dll)}\" HintPath=\"{dll}\" Private=\"false\" />\n");
        }

        return $"<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n{references}  </ItemGroup>\n</Project>\n";
    }

    private string BannedWorkflowSource()
    {
        var lines = new List<string>
        {
            "#pragma warning disable SYSLIB0014 // WebClient and WebRequest are obsolete; the guard must refuse them all the same.",
            "using DurableDelivery.Engine.Workflows;",
            string.Empty,
            "namespace Probe;",
            string.Empty,
            "/// <summary>Workflow code that calls every banned API once.</summary>",
            "[Workflow]",
            "public sealed class NondeterministicWorkflow",
            "{",
            "    /// <summary>Runs the workflow.</summary>",
            "    [WorkflowRun]",
            "    public Task RunAsync(Task t1, Task t2, Task<int> i1, Task<int> i2, TimeProvider clock, CancellationToken ct)",
            "    {",
        };
        foreach (var call in BannedCalls.All)
        {
            lines.Add("        " + call.Statement);
            lineOfEntry[call.EntryId] = lines.Count;
        }

        lines.AddRange(["        return Task.CompletedTask;", "    }", "}"]);
        return string.Join('\n', lines) + "\n";
    }

    private const string CleanWorkflowSource = """
        using System.Globalization;
        using DurableDelivery.Engine.Workflows;

        namespace Probe;

        /// <summary>Workflow code that uses the replacements the guard's messages name, and pure APIs the guard must allow.</summary>
        [Workflow]
        public sealed class DeterministicWorkflow
        {
            /// <summary>Runs the workflow.</summary>
            [WorkflowRun]
            public async Task<string> RunAsync(string name)
            {
                var startedAt = Workflow.UtcNow;
                await Workflow.DelayAsync(TimeSpan.FromMinutes(5));
                await Workflow.WaitConditionAsync(() => name.Length > 0, TimeSpan.FromSeconds(30));
                var id = Workflow.NewGuid();
                var jitter = Workflow.Random.Next(100);
                var first = await Workflow.WhenAnyAsync(Workflow.DelayAsync(1), Workflow.RunTaskAsync(() => Task.CompletedTask));
                await Workflow.WhenAllAsync(first, Task.CompletedTask);
                var path = Path.Combine("deliveries", name, "plan.yaml");
                var elapsed = Workflow.UtcNow - startedAt;
                var known = Guid.Parse("6f1c0d1e-8a38-4c55-9a43-0c1f4f2b7a10");
                return string.Create(CultureInfo.InvariantCulture, $"{id} {known} {jitter} {path} {elapsed.TotalSeconds} {startedAt:O}");
            }
        }

        """;
}
