using System.Text.Json;
using DurableDelivery.Cli.Common;
using DurableDelivery.Cli.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace DurableDelivery.Cli.Tests.Deployment;

/// <summary>
/// docker-compose.temporal.yml and infra/docker/Dockerfile (docs/production.md). No Docker engine runs on the machines
/// these tests run on, so the files are parsed and checked against the repository and against what ddctl reads; they
/// are not run.
/// </summary>
public class ComposeFileTests
{
    private const string ComposePath = "docker-compose.temporal.yml";

    private static readonly Lazy<YamlMappingNode> Compose = new(LoadCompose);

    private static YamlMappingNode Services => Mapping(Compose.Value, "services");

    [Fact]
    public void Compose_HasTemporalOnPostgresql_TheUi_TheAdminTools_AndTheWorker()
    {
        var names = Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();

        foreach (var service in new[] { "temporal", "postgresql", "ui", "admin-tools", "worker" })
        {
            names.ShouldContain(service, $"services in {ComposePath}: {string.Join(", ", names)}");
        }

        Scalar(Mapping(Services, "temporal"), "image").ShouldStartWith("temporalio/");
        Scalar(Mapping(Services, "postgresql"), "image").ShouldStartWith("postgres:");
        Scalar(Mapping(Services, "ui"), "image").ShouldStartWith("temporalio/ui:");
        Scalar(Mapping(Services, "admin-tools"), "image").ShouldStartWith("temporalio/admin-tools:");
        EnvironmentOf(Mapping(Services, "temporal")).ShouldContainKeyAndValue("POSTGRES_SEEDS", "postgresql");
    }

    [Fact]
    public void Compose_EveryImage_IsPinnedToAVersion()
    {
        var images = Services.Children
            .Select(s => (Name: ((YamlScalarNode)s.Key).Value!, Image: TryScalar((YamlMappingNode)s.Value, "image")))
            .Where(s => s.Image is not null)
            .Select(s => (s.Name, Image: s.Image!))
            .ToList();

        images.Count.ShouldBeGreaterThanOrEqualTo(4);
        foreach (var (name, image) in images)
        {
            var lastPart = image[(image.LastIndexOf('/') + 1)..];
            var colon = lastPart.IndexOf(':', StringComparison.Ordinal);
            colon.ShouldBeGreaterThan(0, $"service {name}: image '{image}' has no tag; pin a version");
            var tag = lastPart[(colon + 1)..];
            tag.ShouldNotBeNullOrWhiteSpace($"service {name}: image '{image}'");
            tag.ShouldNotBe("latest", $"service {name}: image '{image}' is not pinned");
            image.ShouldNotContain("$", Case.Sensitive, $"service {name}: image '{image}' depends on the environment");
        }
    }

    [Fact]
    public void Compose_PublishesTheFrontendOn7233_AndTheUiOn8080()
    {
        PublishedPorts(Mapping(Services, "temporal")).ShouldContain((7233, 7233));
        PublishedPorts(Mapping(Services, "ui")).ShouldContain((8080, 8080));
    }

    [Fact]
    public void Ui_TalksToTheTemporalServicesFrontend()
    {
        var ui = EnvironmentOf(Mapping(Services, "ui"));

        ui.ShouldContainKey("TEMPORAL_ADDRESS");
        ui["TEMPORAL_ADDRESS"].ShouldBe("temporal:7233");
        ui.ShouldContainKey("TEMPORAL_CORS_ORIGINS");
        PublishedPorts(Mapping(Services, "temporal")).Select(p => p.Container).ShouldContain(7233);
    }

    [Fact]
    public void Worker_SetsOnlyVariablesTheWorkerReads_AndConnectsToTheTemporalService()
    {
        var worker = Mapping(Services, "worker");
        var environment = EnvironmentOf(worker);
        var read = TemporalConnection.EnvironmentVariables.Append(CliOptions.DataDirVariable).ToHashSet(StringComparer.Ordinal);

        environment.Keys.Where(k => !read.Contains(k)).ShouldBeEmpty(
            $"the worker reads only {string.Join(", ", read)} (TemporalConnection.EnvironmentVariables, CliOptions.DataDirVariable)");

        environment.ShouldContainKey("TEMPORAL_ADDRESS");
        var address = environment["TEMPORAL_ADDRESS"];
        var colon = address.LastIndexOf(':');
        colon.ShouldBeGreaterThan(0, $"TEMPORAL_ADDRESS '{address}' is not host:port");
        var host = address[..colon];
        Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ShouldContain(host, $"TEMPORAL_ADDRESS '{address}' names no service");
        host.ShouldBe("temporal");
        address[(colon + 1)..].ShouldBe("7233");

        environment.ShouldContainKey("TEMPORAL_NAMESPACE");
        environment.ShouldContainKey(CliOptions.DataDirVariable);
        var targets = Sequence(worker, "volumes").Select(VolumeTarget).ToList();
        targets.ShouldContain(environment[CliOptions.DataDirVariable], $"{CliOptions.DataDirVariable} should be a volume of the worker");
    }

    [Fact]
    public void Worker_IsBuiltFromTheRepositorysDockerfile_RunsWorkerRunOnATaskQueue_AfterTemporalIsHealthy()
    {
        var worker = Mapping(Services, "worker");
        var build = Mapping(worker, "build");
        var context = Path.GetFullPath(Path.Combine(Repo.Root, Scalar(build, "context")));
        context.TrimEnd('/').ShouldBe(Repo.Root.TrimEnd('/'), "the build context is the repository root (the Dockerfile copies src/, workflows/, infra/)");
        var dockerfile = Scalar(build, "dockerfile");
        File.Exists(Path.Combine(context, dockerfile)).ShouldBeTrue($"{dockerfile} does not exist in the build context");

        var command = Command(worker);
        command.Take(2).ShouldBe(["worker", "run"], $"command: {string.Join(' ', command)}");
        var queue = command.ToList().FindIndex(a => a is "--task-queue" or "-q");
        queue.ShouldBeGreaterThan(1, $"command: {string.Join(' ', command)} names no --task-queue");
        command.Count.ShouldBeGreaterThan(queue + 1);
        command[queue + 1].ShouldNotStartWith("-");

        var dependsOn = worker.Children[new YamlScalarNode("depends_on")];
        if (dependsOn is YamlMappingNode conditions)
        {
            Scalar(Mapping(conditions, "temporal"), "condition").ShouldBe("service_healthy");
            Mapping(Services, "temporal").Children.ShouldContainKey(new YamlScalarNode("healthcheck"));
        }
        else
        {
            ((YamlSequenceNode)dependsOn).Children.Select(n => ((YamlScalarNode)n).Value).ShouldContain("temporal");
        }
    }

    [Fact]
    public void Dockerfile_PublishesDdctl_AndItsEntrypointRunsIt_AsANonRootUser()
    {
        var instructions = DockerfileInstructions(WorkerDockerfile());

        var publish = instructions.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        publish.ShouldContain("src/DurableDelivery.Cli");
        var words = publish.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var output = words[Array.IndexOf(words, "-o") + 1].TrimEnd('/');

        var entrypoint = instructions.Last(i => i.Keyword == "ENTRYPOINT").Arguments;
        var exec = JsonSerializer.Deserialize<string[]>(entrypoint)!; // exec form: signals reach ddctl, not a shell
        var program = exec[0] == "dotnet" ? exec[1] : exec[0];
        program.ShouldBeOneOf($"{output}/ddctl.dll", $"{output}/ddctl");

        var lastStage = instructions.FindLastIndex(i => i.Keyword == "FROM");
        instructions[lastStage].Arguments.ShouldStartWith("mcr.microsoft.com/dotnet/aspnet:10.0");
        var user = instructions.Skip(lastStage).Last(i => i.Keyword == "USER").Arguments;
        user.ShouldNotBeOneOf("root", "0");
    }

    [Fact]
    public void Dockerfile_CopiesOnlyWhatTheRepositoryHas_AndNotTheHostsBuildOutput()
    {
        var instructions = DockerfileInstructions(WorkerDockerfile());
        var copies = instructions.Where(i => i.Keyword is "COPY" or "ADD" && !i.Arguments.StartsWith("--from", StringComparison.Ordinal)).ToList();

        copies.ShouldNotBeEmpty();
        foreach (var copy in copies)
        {
            var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            foreach (var source in parts[..^1])
            {
                var path = Repo.File(source.TrimEnd('/'));
                (File.Exists(path) || Directory.Exists(path)).ShouldBeTrue($"COPY {copy.Arguments}: {source} is not in the repository");
            }
        }

        var ignored = File.ReadAllLines(Repo.File(".dockerignore")).Select(l => l.Trim()).ToList();
        ignored.ShouldContain(l => l.StartsWith("**/bin", StringComparison.Ordinal));
        ignored.ShouldContain(l => l.StartsWith("**/obj", StringComparison.Ordinal));
    }

    private static YamlMappingNode LoadCompose()
    {
        using var reader = new StreamReader(Repo.File(ComposePath));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string WorkerDockerfile()
    {
        var build = Mapping(Mapping(Services, "worker"), "build");
        return Path.Combine(Repo.Root, Scalar(build, "context"), Scalar(build, "dockerfile"));
    }

    private static YamlMappingNode Mapping(YamlMappingNode node, string key)
    {
        node.Children.TryGetValue(new YamlScalarNode(key), out var value).ShouldBeTrue($"'{key}' is missing");
        return value.ShouldBeOfType<YamlMappingNode>();
    }

    private static IReadOnlyList<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value.ShouldBeOfType<YamlSequenceNode>().Children.ToList() : [];

    private static string? TryScalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static string Scalar(YamlMappingNode node, string key) => TryScalar(node, key).ShouldNotBeNull($"'{key}' is missing");

    /// <summary>A service's environment, in either of Compose's forms (a mapping, or a list of KEY=VALUE).</summary>
    private static Dictionary<string, string> EnvironmentOf(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue(new YamlScalarNode("environment"), out var node))
        {
            return [];
        }

        return node switch
        {
            YamlMappingNode map => map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "", StringComparer.Ordinal),
            YamlSequenceNode list => list.Children.Select(n => ((YamlScalarNode)n).Value!.Split('=', 2))
                .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal),
            _ => throw new InvalidOperationException($"environment of unexpected shape: {node}"),
        };
    }

    /// <summary>Published ports as (host, container), from the short form ("[ip:]host:container[/proto]") or the long form.</summary>
    private static List<(int Host, int Container)> PublishedPorts(YamlMappingNode service) =>
        [.. Sequence(service, "ports").Select(node =>
        {
            if (node is YamlMappingNode map)
            {
                return (int.Parse(Scalar(map, "published"), System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(Scalar(map, "target"), System.Globalization.CultureInfo.InvariantCulture));
            }

            var parts = ((YamlScalarNode)node).Value!.Split('/')[0].Split(':');
            parts.Length.ShouldBeGreaterThanOrEqualTo(2, $"port '{((YamlScalarNode)node).Value}' is not published on the host");
            return (int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture));
        })];

    private static string VolumeTarget(YamlNode node) =>
        node is YamlMappingNode map ? Scalar(map, "target") : ((YamlScalarNode)node).Value!.Split(':')[1];

    /// <summary>A service's command as arguments: the exec form (a list) or a string split on spaces.</summary>
    private static IReadOnlyList<string> Command(YamlMappingNode service)
    {
        service.Children.TryGetValue(new YamlScalarNode("command"), out var node).ShouldBeTrue("the service has no command");
        return node is YamlSequenceNode list
            ? [.. list.Children.Select(n => ((YamlScalarNode)n).Value!)]
            : ((YamlScalarNode)node!).Value!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The Dockerfile's instructions (keyword upper-cased, arguments), comments dropped and continuation lines joined.</summary>
    private static List<(string Keyword, string Arguments)> DockerfileInstructions(string path)
    {
        var instructions = new List<(string, string)>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            current += line;
            var space = current.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add((current[..space].ToUpperInvariant(), current[(space + 1)..].Trim()));
            current = "";
        }

        return instructions;
    }
}
