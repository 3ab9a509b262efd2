namespace DurableDelivery.Determinism.Tests.Support;

/// <summary>
/// Throwaway Temporalio projects in a temp folder, wired exactly like the projects under workflows/ (they import the
/// Directory.Build.props and Directory.Packages.props those projects import, sit under a folder named
/// <c>workflows</c>, which is what that wiring keys on, and reference the Temporalio package as
/// workflows/DurableDelivery.Workflows does): <c>workflows/Banned</c> is a <c>[Workflow]</c> class that calls every
/// banned API once, spread over its run method and its signal, query, update and update-validator handlers;
/// <c>workflows/Clean</c> is a <c>[Workflow]</c> class using the <c>Temporalio.Workflows.Workflow</c> replacements the
/// guard's messages name. <c>src/Elsewhere</c> holds the very same banned source outside workflows/, where nothing is
/// banned (the control: the errors come from the workflows/ wiring, not from the source). All three are built by one
/// real <c>dotnet build</c>, shared by every test of the class.
/// </summary>
public sealed class GuardProbe : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The members of the banned workflow the calls are spread over, in turn (each kind of Temporalio handler is guarded).</summary>
    private static readonly string[] Members = ["run", "signal", "update", "validator", "query"];

    private readonly string root = Path.Combine(Path.GetTempPath(), "dd-determinism-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, int> lineOfEntry = [];
    private readonly Dictionary<string, string> memberOfEntry = [];

    public string BannedDir => Path.Combine(root, "workflows", "Banned");

    public string CleanDir => Path.Combine(root, "workflows", "Clean");

    public string ElsewhereDir => Path.Combine(root, "src", "Elsewhere");

    public string BannedSource => Path.Combine(BannedDir, "NondeterministicWorkflow.cs");

    public string ElsewhereSource => Path.Combine(ElsewhereDir, "NondeterministicWorkflow.cs");

    public DotnetResult Build { get; private set; } = new(-1, string.Empty);

    public IReadOnlyList<BuildDiagnostic> Diagnostics { get; private set; } = [];

    public TimeSpan BuildTime { get; private set; }

    public IReadOnlyDictionary<string, int> LineOfEntry => lineOfEntry;

    /// <summary>Which member of the banned workflow each call is in: <c>run</c>, <c>signal</c>, <c>update</c>, <c>validator</c> or <c>query</c>.</summary>
    public IReadOnlyDictionary<string, string> MemberOfEntry => memberOfEntry;

    public string OutputOf(string projectDir) => Path.Combine(projectDir, "bin", "Debug", "net10.0", Path.GetFileName(projectDir) + ".dll");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(BannedDir);
        Directory.CreateDirectory(CleanDir);
        Directory.CreateDirectory(ElsewhereDir);
        var offlineFeed = Directory.CreateDirectory(Path.Combine(root, "offline-feed")).FullName;

        // The files a project under workflows/ (or src/) gets from MSBuild's upward search.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), ImportOf(NearestAboveWorkflows("Directory.Build.props")));
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), ImportOf(NearestAboveWorkflows("Directory.Packages.props")));
        var bannedSource = BannedWorkflowSource();
        File.WriteAllText(Path.Combine(BannedDir, "Banned.csproj"), TemporalioProject);
        File.WriteAllText(BannedSource, bannedSource);
        File.WriteAllText(Path.Combine(CleanDir, "Clean.csproj"), TemporalioProject);
        File.WriteAllText(Path.Combine(CleanDir, "DeterministicWorkflow.cs"), CleanWorkflowSource);
        File.WriteAllText(Path.Combine(ElsewhereDir, "Elsewhere.csproj"), TemporalioProject);
        File.WriteAllText(ElsewhereSource, bannedSource);
        File.WriteAllText(Path.Combine(root, "Probe.slnx"),
            "<Solution>\n  <Project Path=\"workflows/Banned/Banned.csproj\" />\n  <Project Path=\"workflows/Clean/Clean.csproj\" />\n"
            + "  <Project Path=\"src/Elsewhere/Elsewhere.csproj\" />\n</Solution>\n");

        // Temporalio, its dependencies and the analyzer are already in the global packages folder (the solution's
        // restore put them there: the workflows projects and this test project reference them); an empty local feed as
        // the only source proves the restore needs no network.
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

    // As workflows/DurableDelivery.Workflows references it: the package, its version from Directory.Packages.props.
    private const string TemporalioProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <ItemGroup>
            <PackageReference Include="Temporalio" />
          </ItemGroup>
        </Project>

        """;

    private string BannedWorkflowSource()
    {
        // In scope in every member: t1, t2 (Task), i1, i2 (Task<int>), clock (a TimeProvider), ct (the workflow's token).
        const string Scope = "        var (t1, t2, i1, i2, clock, ct) = Scope();";
        var calls = Members.ToDictionary(member => member, _ => new List<BannedCall>());
        for (var i = 0; i < BannedCalls.All.Count; i++)
        {
            calls[Members[i % Members.Length]].Add(BannedCalls.All[i]);
        }

        var lines = new List<string>
        {
            "#pragma warning disable SYSLIB0014 // WebClient and WebRequest are obsolete; the guard must refuse them all the same.",
            "using Temporalio.Workflows;",
            string.Empty,
            "namespace Probe;",
            string.Empty,
            "/// <summary>Workflow code that calls every banned API once, in its run method and in each kind of handler.</summary>",
            "[Workflow]",
            "public sealed class NondeterministicWorkflow",
            "{",
            "    /// <summary>Runs the workflow.</summary>",
            "    /// <returns>A task.</returns>",
            "    [WorkflowRun]",
            "    public async Task RunAsync()",
            "    {",
            Scope,
        };
        void AddCalls(string member)
        {
            foreach (var call in calls[member])
            {
                lines.Add("        " + call.Statement);
                lineOfEntry[call.EntryId] = lines.Count;
                memberOfEntry[call.EntryId] = member;
            }
        }

        AddCalls("run");
        lines.AddRange([
            "        await Workflow.DelayAsync(1);",
            "    }",
            string.Empty,
            "    /// <summary>A signal.</summary>",
            "    /// <returns>A task.</returns>",
            "    [WorkflowSignal]",
            "    public Task NudgeAsync()",
            "    {",
            Scope,
        ]);
        AddCalls("signal");
        lines.AddRange([
            "        return Task.CompletedTask;",
            "    }",
            string.Empty,
            "    /// <summary>An update.</summary>",
            "    /// <param name=\"name\">A name.</param>",
            "    /// <returns>The name.</returns>",
            "    [WorkflowUpdate]",
            "    public Task<string> RenameAsync(string name)",
            "    {",
            Scope,
        ]);
        AddCalls("update");
        lines.AddRange([
            "        return Task.FromResult(name);",
            "    }",
            string.Empty,
            "    /// <summary>The update's validator.</summary>",
            "    /// <param name=\"name\">A name.</param>",
            "    [WorkflowUpdateValidator(nameof(RenameAsync))]",
            "    public void ValidateRename(string name)",
            "    {",
            Scope,
        ]);
        AddCalls("validator");
        lines.AddRange([
            "        ArgumentException.ThrowIfNullOrEmpty(name);",
            "    }",
            string.Empty,
            "    /// <summary>A query.</summary>",
            "    /// <returns>A status.</returns>",
            "    [WorkflowQuery]",
            "    public string Status()",
            "    {",
            Scope,
        ]);
        AddCalls("query");
        lines.AddRange([
            "        return \"ok\";",
            "    }",
            string.Empty,
            "    private static (Task T1, Task T2, Task<int> I1, Task<int> I2, TimeProvider Clock, CancellationToken Ct) Scope() =>",
            "        (Task.CompletedTask, Task.CompletedTask, Task.FromResult(1), Task.FromResult(2), new FixedClock(), Workflow.CancellationToken);",
            string.Empty,
            "    private sealed class FixedClock : TimeProvider;",
            "}",
        ]);
        return string.Join('\n', lines) + "\n";
    }

    private const string CleanWorkflowSource = """
        using System.Globalization;
        using Microsoft.Extensions.Logging;
        using Temporalio.Workflows;

        namespace Probe;

        /// <summary>Workflow code that uses the replacements the guard's messages name, and pure APIs the guard must allow.</summary>
        [Workflow]
        public sealed class DeterministicWorkflow
        {
            private string name = string.Empty;

            /// <summary>Runs the workflow.</summary>
            /// <param name="input">A name.</param>
            /// <returns>A summary of what it did.</returns>
            [WorkflowRun]
            public async Task<string> RunAsync(string input)
            {
                name = input;
                var startedAt = Workflow.UtcNow;
                var today = Workflow.UtcNow.Date;
                await Workflow.DelayAsync(TimeSpan.FromMinutes(5));
                await Workflow.WaitConditionAsync(() => name.Length > 0, TimeSpan.FromSeconds(30));
                var id = Workflow.NewGuid();
                var jitter = Workflow.Random.Next(100);
                var first = await Workflow.WhenAnyAsync(Workflow.DelayAsync(1), Workflow.RunTaskAsync(() => Task.CompletedTask));
                await Workflow.WhenAllAsync(first, Task.CompletedTask);
                var path = Path.Combine("deliveries", name, "plan.yaml");
                var elapsed = Workflow.UtcNow - startedAt;
                var known = Guid.Parse("6f1c0d1e-8a38-4c55-9a43-0c1f4f2b7a10");
                Workflow.Logger.LogInformation("Probe {Name} ran for {Elapsed}", name, elapsed);
                return string.Create(CultureInfo.InvariantCulture, $"{id} {known} {jitter} {path} {elapsed.TotalSeconds} {startedAt:O} {today:O} {Workflow.CancellationToken.IsCancellationRequested}");
            }

            /// <summary>A signal.</summary>
            /// <param name="newName">The new name.</param>
            /// <returns>A task.</returns>
            [WorkflowSignal]
            public async Task RenameAsync(string newName)
            {
                await Workflow.DelayAsync(TimeSpan.FromSeconds(1));
                name = newName;
            }

            /// <summary>An update.</summary>
            /// <param name="suffix">What to append.</param>
            /// <returns>The new name.</returns>
            [WorkflowUpdate]
            public async Task<string> AppendAsync(string suffix)
            {
                await Workflow.WaitConditionAsync(() => name.Length > 0);
                name += suffix;
                return name;
            }

            /// <summary>The update's validator.</summary>
            /// <param name="suffix">What to append.</param>
            [WorkflowUpdateValidator(nameof(AppendAsync))]
            public void ValidateAppend(string suffix) => ArgumentException.ThrowIfNullOrEmpty(suffix);

            /// <summary>A query.</summary>
            /// <returns>The name.</returns>
            [WorkflowQuery]
            public string Name() => name;
        }

        """;
}
