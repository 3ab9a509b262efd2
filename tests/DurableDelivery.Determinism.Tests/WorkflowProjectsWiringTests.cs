using System.Text.Json;
using DurableDelivery.Determinism.Tests.Support;

namespace DurableDelivery.Determinism.Tests;

/// <summary>No project under workflows/ escapes the guard: each one evaluates with the analyzer, the repository's
/// BannedSymbols.txt and warnings as errors, is built by the solution, and suppresses nothing.</summary>
public sealed class WorkflowProjectsWiringTests
{
    public static TheoryData<string> WorkflowProjects => new(
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "workflows"), "*.csproj", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));

    [Fact]
    public void WorkflowsFolder_HoldsProjects()
    {
        // Guards the theories below against passing vacuously on an empty list.
        ((IEnumerable<object[]>)WorkflowProjects).Count().ShouldBeGreaterThanOrEqualTo(2);
    }

    [Theory]
    [MemberData(nameof(WorkflowProjects))]
    public async Task WorkflowsProject_EvaluatesWithAnalyzerBannedSymbolsAndWarningsAsErrors(string project)
    {
        var result = await DotnetCli.RunAsync(RepoPaths.Root, TimeSpan.FromMinutes(2), "msbuild", project,
            "-getItem:PackageReference", "-getItem:AdditionalFiles",
            "-getProperty:TreatWarningsAsErrors", "-getProperty:NoWarn", "-getProperty:WarningsNotAsErrors");
        result.ExitCode.ShouldBe(0, result.Output);
        using var json = JsonDocument.Parse(result.Output);
        var properties = json.RootElement.GetProperty("Properties");
        var items = json.RootElement.GetProperty("Items");

        var analyzer = items.GetProperty("PackageReference").EnumerateArray()
            .Where(item => item.GetProperty("Identity").GetString() == "Microsoft.CodeAnalysis.BannedApiAnalyzers")
            .ShouldHaveSingleItem($"{project} must reference Microsoft.CodeAnalysis.BannedApiAnalyzers");
        string Metadata(string name) => analyzer.TryGetProperty(name, out var value) ? value.GetString() ?? string.Empty : string.Empty;
        bool NamesAnalyzers(string assets) => assets.Contains("analyzers", StringComparison.OrdinalIgnoreCase) || assets.Contains("all", StringComparison.OrdinalIgnoreCase);
        NamesAnalyzers(Metadata("ExcludeAssets")).ShouldBeFalse($"{project}: ExcludeAssets='{Metadata("ExcludeAssets")}' drops the analyzer");
        (Metadata("IncludeAssets").Length == 0 || NamesAnalyzers(Metadata("IncludeAssets"))).ShouldBeTrue($"{project}: IncludeAssets='{Metadata("IncludeAssets")}' drops the analyzer");

        var bannedFiles = items.TryGetProperty("AdditionalFiles", out var additional)
            ? additional.EnumerateArray().Select(item => item.GetProperty("FullPath").GetString()!)
                .Where(path => Path.GetFileName(path).StartsWith("BannedSymbols", StringComparison.OrdinalIgnoreCase)).ToList()
            : [];
        bannedFiles.ShouldBe([RepoPaths.BannedSymbols], $"{project} must use the repository's workflows/BannedSymbols.txt, and only it");

        properties.GetProperty("TreatWarningsAsErrors").GetString().ShouldBe("true", project);
        properties.GetProperty("NoWarn").GetString()!.ShouldNotContain("RS0030", Case.Insensitive, project);
        properties.GetProperty("WarningsNotAsErrors").GetString()!.ShouldNotContain("RS0030", Case.Insensitive, project);
    }

    [Theory]
    [MemberData(nameof(WorkflowProjects))]
    public void WorkflowsProject_IsBuiltByTheSolution(string project)
    {
        File.ReadAllText(Path.Combine(RepoPaths.Root, "DurableDelivery.sln")).ShouldContain($"\"{project.Replace('/', '\\')}\"", Case.Sensitive);
    }

    [Fact]
    public void WorkflowsCodeAndConfig_DoNotSilenceTheGuard()
    {
        var root = new DirectoryInfo(RepoPaths.Root);
        var configs = root.GetFiles(".editorconfig").Concat(root.GetFiles("*.globalconfig"))
            .Concat(new DirectoryInfo(Path.Combine(RepoPaths.Root, "workflows")).EnumerateFiles("*", SearchOption.AllDirectories)
                .Where(file => file.Extension is ".cs" or ".csproj" or ".props" or ".targets" or ".editorconfig" or ".globalconfig"
                    && !file.FullName.Contains("/obj/", StringComparison.Ordinal) && !file.FullName.Contains("/bin/", StringComparison.Ordinal)));
        configs.Where(file => File.ReadAllText(file.FullName).Contains("RS0030", StringComparison.OrdinalIgnoreCase))
            .Select(file => Path.GetRelativePath(RepoPaths.Root, file.FullName))
            .ShouldBeEmpty("RS0030 (banned API) must not be suppressed or downgraded for workflow code");
    }
}
