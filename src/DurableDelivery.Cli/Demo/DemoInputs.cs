using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Cli.Demo;

/// <summary>One version set the demo delivers: its file as people type it, its content, and the version its artifact answers with (<c>X-Served-By-Version</c>).</summary>
internal sealed record DemoVersion(string Label, string File, VersionSet VersionSet, string Artifact, string Served);

/// <summary>
/// What the demo runs on: the repository's <c>infra/</c> files, a fresh data dir, and the demo environment as it will
/// run (the listener moved off 18080 when that port is taken, bakes changed by <c>--bake</c>; any change is written to
/// <c>&lt;data-dir&gt;/demo.yaml</c> so the by-hand commands use the same declaration).
/// </summary>
internal sealed partial record DemoInputs
{
    public const string EnvironmentName = "demo";

    public required string DataDir { get; init; }

    public required string ArtifactsDir { get; init; }

    public required EnvironmentDeclaration Declaration { get; init; }

    /// <summary>Gets the environment file to pass by hand: the shipped one, or the adjusted copy in the data dir.</summary>
    public required string EnvironmentFile { get; init; }

    /// <summary>Gets what the demo changed in the shipped declaration, each as one sentence.</summary>
    public required IReadOnlyList<string> Adjustments { get; init; }

    public required DemoVersion V1 { get; init; }

    public required DemoVersion V2 { get; init; }

    public required DemoVersion V3 { get; init; }

    /// <summary>Gets <c>--environment-file ...</c> when the by-hand commands need it (the declaration was adjusted).</summary>
    public string EnvironmentFileOption => Adjustments.Count == 0 ? string.Empty : $" --environment-file {Arg(EnvironmentFile)}";

    /// <summary>Gets <c>--data-dir ...</c> for the by-hand commands.</summary>
    public string DataDirOption => $" --data-dir {Arg(Shown(DataDir))}";

    public Uri ListenerUri => new($"http://127.0.0.1:{Declaration.Listener.Port}/");

    /// <summary>Reads and checks everything before anything starts; a problem is exit 1 with the fix.</summary>
    public static DemoInputs Resolve(string? dataDir, TimeSpan? bake)
    {
        var infra = FindInfra();
        var shippedFile = Path.Combine(infra, "environments", EnvironmentName + ".yaml");
        var text = File.ReadAllText(shippedFile);
        var shipped = Parse(text, shippedFile);
        var adjustments = new List<string>();

        var port = shipped.Listener.Port ?? throw CliException.BadInput($"{Shown(shippedFile)} declares no listener port; the local provider needs one (listener.port).");
        if (FreeLoopbackPort(port) is var free && free != port)
        {
            text = PortLine().Replace(text, m => m.Groups[1].Value + free.ToString(CultureInfo.InvariantCulture), 1);
            adjustments.Add($"listener port {port} is taken, so the demo listens on {free} instead");
            port = free;
        }

        if (bake is { } b)
        {
            var minimum = TimeSpan.FromSeconds(shipped.Gates.MinDataPoints + 1);
            if (b < minimum || b > TimeSpan.FromMinutes(10))
            {
                throw CliException.BadInput(
                    $"--bake {DurationText.Format(b)} is outside {DurationText.Format(minimum)}-10m: the gate needs {shipped.Gates.MinDataPoints} per-second samples (gates.minDataPoints), "
                    + $"so bakes shorter than {DurationText.Format(minimum)} end Inconclusive and pause; use e.g. --bake 12s.");
            }

            var before = string.Join(", ", shipped.Rollout.Steps.Where(s => s.Weight < 100).Select(s => DurationText.Format(s.Bake)).Distinct());
            if (shipped.Rollout.Steps.Any(s => s.Weight < 100 && s.Bake != b))
            {
                text = BakeLine().Replace(text, m => m.Groups[1].Value + DurationText.Format(b));
                adjustments.Add($"bakes {(shipped.Rollout.Steps.Any(s => s.Weight < 100 && s.Bake > b) ? "shortened" : "lengthened")} from {before} to {DurationText.Format(b)} by --bake");
            }
        }

        var declaration = Parse(text, shippedFile);
        if (declaration.Listener.Port != port || (bake is { } want && declaration.Rollout.Steps.Any(s => s.Weight < 100 && s.Bake != want)))
        {
            throw new CliException(ExitCodes.InternalError, $"could not adjust {Shown(shippedFile)} for the demo (listener.port or a rollout bake is not on a line of its own); edit it or run with defaults.");
        }

        var dir = PrepareDataDir(dataDir);
        var environmentFile = Shown(shippedFile);
        if (adjustments.Count > 0)
        {
            var copy = Path.Combine(dir, EnvironmentName + ".yaml");
            File.WriteAllText(copy, $"# {environmentFile} as 'ddctl demo' ran it: {string.Join("; ", adjustments)}.\n{text}");
            environmentFile = Shown(copy);
        }

        return new DemoInputs
        {
            DataDir = dir,
            ArtifactsDir = Path.Combine(infra, "local", "artifacts"),
            Declaration = declaration,
            EnvironmentFile = environmentFile,
            Adjustments = adjustments,
            V1 = ReadVersion(infra, "v1", declaration),
            V2 = ReadVersion(infra, "v2", declaration),
            V3 = ReadVersion(infra, "v3", declaration),
        };
    }

    /// <summary>A path as people type it: relative to the current folder when it is below it.</summary>
    public static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    /// <summary>A word of a printed command as a POSIX shell reads it: as it is when it is plain, else in single quotes.</summary>
    public static string Arg(string text) => text.Length > 0 && PlainWord().IsMatch(text) ? text : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The rollout as one line, e.g. <c>10% (bake 15s) -> 50% (bake 15s) -> 100%</c>.</summary>
    public string RolloutText() => string.Join(
        " -> ", Declaration.Rollout.Steps.Select(s => s.Bake > TimeSpan.Zero ? $"{s.Weight}% (bake {DurationText.Format(s.Bake)})" : $"{s.Weight}%"));

    /// <summary>The gates as one line.</summary>
    public string GatesText() => string.Join(", ", Declaration.Gates.Metrics.Select(m => m.Kind switch
        {
            MetricKind.ErrorRate => $"error rate{(m.Critical ? " (critical)" : string.Empty)} at most {m.Tolerance:0%} or {m.MinimumShift:0.0%} above stable{(m.Ceiling is { } c ? $", never above {c:0.#%}" : string.Empty)}",
            _ => $"latency p99{(m.Critical ? " (critical)" : string.Empty)} at most {m.Tolerance:0%} or {m.MinimumShift:0.#} ms above stable",
        }))
        + $"; each needs {Declaration.Gates.MinDataPoints}+ per-second samples per side, confidence {Declaration.Gates.Confidence:0.##}";

    private static EnvironmentDeclaration Parse(string text, string file)
    {
        var parsed = EnvironmentDeclaration.Parse(text, Shown(file));
        return parsed.Problems.Count == 0 && parsed.Value is { } value
            ? value
            : throw new CliException(ExitCodes.BadInput, [.. parsed.Problems.Select(p => p.ToString())]);
    }

    private static DemoVersion ReadVersion(string infra, string label, EnvironmentDeclaration declaration)
    {
        var file = Path.Combine(infra, "version-sets", label + ".yaml");
        var parsed = VersionSet.Parse(File.ReadAllText(file), Shown(file));
        if (parsed.Problems.Count > 0 || parsed.Value is not { } set)
        {
            throw new CliException(ExitCodes.BadInput, [.. parsed.Problems.Select(p => p.ToString())]);
        }

        var artifact = declaration.Artifact.Resolve(set)
            ?? throw CliException.BadInput($"{Shown(file)} has no component '{declaration.Artifact.Component}', which the demo environment deploys.");
        var manifest = Path.Combine(infra, "local", "artifacts", artifact + ".json");
        using var json = File.Exists(manifest) ? JsonDocument.Parse(File.ReadAllText(manifest)) : null;
        var served = json?.RootElement.TryGetProperty("version", out var v) == true ? v.GetString() : null;
        return new DemoVersion(label, Shown(file), set, artifact, served ?? throw CliException.BadInput($"{Shown(manifest)} (artifact {artifact} of {Shown(file)}) is missing or names no version."));
    }

    /// <summary>The nearest <c>infra/</c> with the demo's files, above the current folder, else above ddctl's own folder.</summary>
    private static string FindInfra()
    {
        string[] needed = [Path.Combine("environments", EnvironmentName + ".yaml"), Path.Combine("version-sets", "v1.yaml"), Path.Combine("version-sets", "v2.yaml"),
            Path.Combine("version-sets", "v3.yaml"), Path.Combine("local", "artifacts", "sample-v1.json")];
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var infra = Path.Combine(dir.FullName, "infra");
                if (needed.All(n => File.Exists(Path.Combine(infra, n))))
                {
                    return infra;
                }
            }
        }

        throw CliException.BadInput(
            $"the demo's files (infra/environments/{EnvironmentName}.yaml, infra/version-sets/v1-v3.yaml, infra/local/artifacts) were not found above {Environment.CurrentDirectory}; run it from the repository: dotnet run --project src/DurableDelivery.Cli -- demo.");
    }

    private static string PrepareDataDir(string? dataDir)
    {
        var dir = Path.GetFullPath(dataDir ?? Path.Combine(CliOptions.DefaultDataDir, $"demo-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}"));
        if (File.Exists(dir))
        {
            throw CliException.BadInput($"--data-dir '{dir}' is a file; the demo needs a fresh (empty or new) directory.");
        }

        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw CliException.BadInput($"--data-dir '{dir}' is not empty; the demo starts from nothing: pass a new directory, or leave --data-dir out for a fresh one.");
        }

        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The wanted port when nothing holds it on loopback now, else a free one the OS picks (another process may still take it first).</summary>
    private static int FreeLoopbackPort(int wanted)
    {
        foreach (var port in (int[])[wanted, 0])
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            catch (SocketException) when (port != 0)
            {
                // Taken: ask the OS for another.
            }
        }

        throw new UnreachableException();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./:=@%+,-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainWord();

    [GeneratedRegex(@"^(\s*port:\s*)\d+", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PortLine();

    [GeneratedRegex(@"^(\s*bake:\s*)[^\s#]+", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex BakeLine();
}
