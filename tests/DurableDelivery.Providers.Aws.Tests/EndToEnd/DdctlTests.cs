using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using DurableDelivery.Providers.Aws.Tests.Support;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Tests.Support;

namespace DurableDelivery.Providers.Aws.Tests.EndToEnd;

/// <summary>
/// The built ddctl on AWS: <c>ddctl worker run --aws-settings</c> delivers an environment declared <c>provider: aws</c>
/// into moto, and <c>ddctl env status --aws-settings -o json</c> shows each infra-set's group, target group, weight
/// and readiness as moto has them. The embedded Temporal server runs in this process; ddctl runs as child processes.
/// </summary>
[Collection(MotoCollection.Name)]
public sealed class DdctlTests(MotoServer moto, ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("dd-aws-ddctl-").FullName;

    [Fact]
    public async Task WorkerAndEnvStatus_WithAwsSettings_DeliverOnMotoAndShowReadiness()
    {
        using var stack = await MotoStack.CreateAsync(moto, "cli");
        var settings = WriteSettings(stack);
        await using var temporal = await TestTemporal.StartAsync();
        var address = temporal.Server.Target;
        using var worker = await StartWorkerAsync(address, settings);
        try
        {
            var environment = await AwsEnvironment.StartAsync(temporal.Client, stack, "aws-cli");
            async Task<string> DeliverAsync(string version, string ami)
            {
                var result = await environment.DeliverAsync(version, ami, "ddctl on aws");
                result.Outcome.ShouldBe(DeliveryOutcome.Promoted, result.Message);
                return result.InfraSetId!;
            }

            // The deliveries run on ddctl's worker: the infra-sets are in moto, so it routed 'cli' to AWS.
            var v1 = await DeliverAsync("1.0.0", stack.AmiV1);
            var v2 = await DeliverAsync("2.0.0", stack.AmiV2);
            (await stack.GroupsAsync()).Select(g => g.Name).ShouldBe([AwsNames.GroupName(v1), AwsNames.GroupName(v2)], ignoreOrder: true);
            (await stack.ListenerWeightsAsync()).ShouldBe(new Dictionary<string, int> { [v2] = 100 }, ignoreOrder: true);

            var json = await EnvStatusJsonAsync(address, settings);
            json["provider"]!.GetValue<string>().ShouldBe("aws");
            var aws = json["aws"]!.AsArray();
            aws.Select(r => r!["infraSetId"]!.GetValue<string>()).ShouldBe([v1, v2]);
            foreach (var (row, id, weight, ami) in new[] { (aws[0]!, v1, 0, stack.AmiV1), (aws[1]!, v2, 100, stack.AmiV2) })
            {
                row["group"]!.GetValue<string>().ShouldBe(AwsNames.GroupName(id));
                row["targetGroupArn"]!.GetValue<string>().ShouldContain($":targetgroup/{AwsNames.TargetGroupName(id)}/");
                row["weight"]!.GetValue<int>().ShouldBe(weight);
                row["desiredCapacity"]!.GetValue<int>().ShouldBe(2);
                row["inService"]!.GetValue<int>().ShouldBe(2);
                row["healthyTargets"]!.GetValue<int>().ShouldBe(2);
                row["launchTemplateVersionExists"]!.GetValue<bool>().ShouldBeTrue();
                row["artifactId"]!.GetValue<string>().ShouldBe(ami);
                row["imageAvailable"]!.GetValue<bool>().ShouldBeTrue();
                row["ready"]!.GetValue<bool>().ShouldBeTrue(row.ToJsonString());
                row["problems"]!.AsArray().ShouldBeEmpty();
            }

            // The rollback target's AMI is deregistered: it still takes traffic, but could not be relaunched.
            await stack.Ec2.DeregisterImageAsync(new DeregisterImageRequest { ImageId = stack.AmiV1 });
            var after = (await EnvStatusJsonAsync(address, settings))["aws"]!.AsArray();
            after[0]!["ready"]!.GetValue<bool>().ShouldBeFalse();
            after[0]!["imageAvailable"]!.GetValue<bool>().ShouldBeFalse();
            after[0]!["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldBe([$"AMI {stack.AmiV1} no longer exists (deregistered?)"]);
            after[1]!["ready"]!.GetValue<bool>().ShouldBeTrue();

            var table = await RunAsync("env", "status", "cli", "--address", address, "--data-dir", dir, "--aws-settings", settings);
            output.WriteLine(table.Stdout);
            table.Code.ShouldBe(0, table.Stderr);
            table.Stdout.ShouldContain("AWS infra-sets of cli");
            table.Stdout.ShouldContain("ready");
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task EnvStatus_BadAwsSettings_OneLineBadInput()
    {
        var missing = Path.Combine(dir, "nope.json");
        var result = await RunAsync("env", "status", "cli", "--data-dir", dir, "--aws-settings", missing);
        result.Code.ShouldBe(1, result.Stdout);
        result.Stderr.Trim().ShouldBe($"error: AWS provider settings file '{missing}' does not exist; copy infra/aws/provider.example.json and fill in your stack's outputs.");

        var invalid = Path.Combine(dir, "invalid.json");
        await File.WriteAllTextAsync(invalid, """{ "region": "" }""");
        var fromVariable = await RunAsync(new Dictionary<string, string> { ["DD_AWS_SETTINGS"] = invalid }, "worker", "run", "--data-dir", dir);
        fromVariable.Code.ShouldBe(1, fromVariable.Stdout);
        fromVariable.Stderr.Trim().Split('\n').Length.ShouldBe(1, fromVariable.Stderr);
        fromVariable.Stderr.ShouldContain("'region' is empty");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private async Task<JsonNode> EnvStatusJsonAsync(string address, string settings)
    {
        var result = await RunAsync("env", "status", "cli", "-o", "json", "--address", address, "--data-dir", dir, "--aws-settings", settings);
        result.Code.ShouldBe(0, result.Stderr);
        result.Stderr.ShouldBeEmpty();
        return JsonNode.Parse(result.Stdout)!;
    }

    /// <summary>The provider settings a worker on this stack needs, as a file (what infra/aws/provider.example.json
    /// becomes).</summary>
    private string WriteSettings(MotoStack stack)
    {
        var options = stack.Options();
        var file = new JsonObject
        {
            ["region"] = options.Region,
            ["serviceUrl"] = options.ServiceUrl!.ToString(),
            ["credentials"] = new JsonObject { ["accessKeyId"] = "testing", ["secretAccessKey"] = "testing" },
            ["environments"] = new JsonObject
            {
                [stack.Environment] = new JsonObject
                {
                    ["listenerArn"] = stack.ListenerArn,
                    ["subnets"] = new JsonArray([.. stack.Subnets.Select(s => (JsonNode)JsonValue.Create(s))]),
                    ["launchTemplate"] = stack.LaunchTemplateId,
                },
            },
            ["pollInterval"] = "00:00:00.050",
            ["readBackTimeout"] = "00:00:05",
            ["deregistrationDelay"] = "00:00:00",
            ["healthCheckGracePeriod"] = "00:00:00",
            ["metricsPeriod"] = "00:00:01",
            ["maxMetricsWindow"] = "00:10:00",
            ["deleteLaunchTemplateVersions"] = false,
        };
        var path = Path.Combine(dir, "aws.json");
        File.WriteAllText(path, file.ToJsonString());
        return path;
    }

    /// <summary>Starts <c>ddctl worker run</c> and waits for its ready line.</summary>
    private async Task<Process> StartWorkerAsync(string address, string settings)
    {
        var process = Start(null, "worker", "run", "--task-queue", "aws-cli", "--address", address, "--data-dir", dir, "--aws-settings", settings);
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException($"ddctl worker exited before it was ready: {stderr}"));
            }
            else if (e.Data.StartsWith("worker ready:", StringComparison.Ordinal))
            {
                ready.TrySetResult(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }

                output.WriteLine($"worker: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output.WriteLine(await ready.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        return process;
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, args);

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// Starts the built ddctl (<c>dotnet ddctl.dll</c>; the project reference builds it first), or the ddctl executable
    /// named by <c>DD_TEST_DDCTL</c> (e.g. the native one: <c>DD_TEST_DDCTL=artifacts/ddctl-native/ddctl</c>).
    /// </summary>
    private static Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var other = System.Environment.GetEnvironmentVariable("DD_TEST_DDCTL") is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        var info = new ProcessStartInfo(other ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (other is null)
        {
            info.ArgumentList.Add(DdctlDll.Value);
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal) || k.StartsWith("TEMPORAL_", StringComparison.Ordinal) || k.StartsWith("DD_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start ddctl");
    }

    private static readonly Lazy<string> DdctlDll = new(() =>
    {
        var configuration = typeof(DdctlTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "DurableDelivery.sln")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root?.FullName ?? ".", "src", "DurableDelivery.Cli", "bin", configuration, "net10.0", "ddctl.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} not found; build src/DurableDelivery.Cli ({configuration}) first");
    });
}
