using System.Runtime.Loader;
using DurableDelivery.Determinism.Tests.Support;
using Temporalio.Workflows;
using Xunit.Abstractions;

namespace DurableDelivery.Determinism.Tests;

/// <summary>
/// The build-time guard of workflows/ refuses every banned API with RS0030 at the call, naming the replacement, in every
/// member of a Temporalio workflow, and lets deterministic workflow code build; outside workflows/ the same code builds.
/// Proven on a real build of Temporalio probe projects wired like workflows/ (see <see cref="GuardProbe"/>).
/// </summary>
public sealed class BannedApiGuardTests(GuardProbe probe, ITestOutputHelper output) : IClassFixture<GuardProbe>
{
    [Fact]
    public void Build_ProjectCallingBannedApis_Fails()
    {
        output.WriteLine($"probe build took {probe.BuildTime.TotalSeconds:0.0}s");
        probe.Build.ExitCode.ShouldNotBe(0, probe.Build.Output);
        File.Exists(probe.OutputOf(probe.BannedDir)).ShouldBeFalse(probe.Build.Output);
    }

    [Theory]
    [MemberData(nameof(BannedCalls.EntryIds), MemberType = typeof(BannedCalls))]
    public void BannedCall_IsAnErrorAtItsLine_NamingTheReplacement(string entryId)
    {
        var call = BannedCalls.All.Single(c => c.EntryId == entryId);
        var message = BannedSymbolsFile.Entries.Where(entry => entry.Id == entryId).ShouldHaveSingleItem($"'{entryId}' in BannedSymbols.txt").Message;
        var line = probe.LineOfEntry[entryId];
        var atLine = probe.DiagnosticsUnder(probe.BannedDir).Where(d => d.File == probe.BannedSource && d.Line == line).ToList();

        // Several entries may match one call (Environment.TickCount is a member of a banned type): the entry's own must be there.
        var diagnostic = atLine.FirstOrDefault(d => d.Message.EndsWith(": " + message, StringComparison.Ordinal));
        diagnostic.ShouldNotBeNull($"`{call.Statement}` (line {line}) was not refused by '{entryId}'; diagnostics at that line: [{string.Join("; ", atLine)}]");
        diagnostic.Id.ShouldBe("RS0030");
        diagnostic.Severity.ShouldBe("error");
        diagnostic.Message.ShouldContain(call.Replacement, Case.Sensitive);
    }

    [Fact]
    public void Build_ProjectCallingBannedApis_ReportsOnlyTheBannedCalls()
    {
        var lines = probe.LineOfEntry.Values.ToHashSet();
        var unexpected = probe.DiagnosticsUnder(probe.BannedDir)
            .Where(d => d.Id != "RS0030" || d.File != probe.BannedSource || !lines.Contains(d.Line))
            .ToList();
        unexpected.ShouldBeEmpty(probe.Build.Output);
    }

    [Fact]
    public void Build_WorkflowUsingTheReplacements_SucceedsWithoutDiagnostics()
    {
        probe.DiagnosticsUnder(probe.CleanDir).ShouldBeEmpty(probe.Build.Output);
        File.Exists(probe.OutputOf(probe.CleanDir)).ShouldBeTrue(probe.Build.Output);
    }

    [Fact]
    public void CleanProbe_IsAValidTemporalioWorkflow()
    {
        // The replacements are used in real workflow code: the SDK accepts the class as a workflow definition.
        var context = new AssemblyLoadContext("clean-probe", isCollectible: true);
        try
        {
            var type = context.LoadFromAssemblyPath(probe.OutputOf(probe.CleanDir)).GetType("Probe.DeterministicWorkflow", throwOnError: true)!;
            var definition = WorkflowDefinition.Create(type);
            definition.Name.ShouldBe("DeterministicWorkflow");
            definition.Signals.Count.ShouldBe(1);
            definition.Queries.Keys.ShouldContain("Name");
            definition.Updates.Count.ShouldBe(1);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void BannedProbe_SpreadsTheCallsOverTheRunMethodAndEveryKindOfHandler()
    {
        probe.MemberOfEntry.Values.Distinct().Order(StringComparer.Ordinal).ShouldBe(["query", "run", "signal", "update", "validator"]);
        probe.MemberOfEntry.Keys.ShouldBe(BannedCalls.All.Select(call => call.EntryId), ignoreOrder: true);
    }

    [Fact]
    public void SameSourceOutsideWorkflows_BuildsWithoutDiagnostics()
    {
        // The control: the refusals above come from the workflows/ wiring, not from the source or the other settings.
        File.ReadAllText(probe.ElsewhereSource).ShouldBe(File.ReadAllText(probe.BannedSource));
        probe.DiagnosticsUnder(probe.ElsewhereDir).ShouldBeEmpty(probe.Build.Output);
        File.Exists(probe.OutputOf(probe.ElsewhereDir)).ShouldBeTrue(probe.Build.Output);
    }
}
