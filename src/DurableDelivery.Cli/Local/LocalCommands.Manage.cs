using System.CommandLine;
using System.Globalization;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Local;

namespace DurableDelivery.Cli.Local;

/// <summary>Hand-driving commands over <see cref="LocalInfraProvider"/>: listener, create, weights, delete (what delivery workflows do through activities).</summary>
internal static partial class LocalCommands
{
    private static Option<string> Key() => new("--key")
    {
        Description = "Idempotency key; repeating a command with the same key and input changes nothing. Defaults to a key derived from the input.",
        HelpName = "key",
    };

    private static Command Listener()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var environment = new Option<string>("--env") { Description = "Environment name (lowercase letters, digits, '-').", HelpName = "name", Required = true };
        var port = new Option<int>("--port") { Description = "Loopback port; 0 picks a free one that stays across restarts.", HelpName = "port" };
        var key = Key();
        var command = new Command("listener", "Create the environment's listener (a loopback port doing weighted forwarding), or show it when it exists.\nExample: ddctl local listener --env staging --port 5080")
        {
            dataDir, environment, port, key, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            using var client = new LocalInfraProvider(DataDirectory(parse, dataDir));
            var spec = new ListenerSpec { Environment = parse.GetValue(environment)!, Port = parse.GetValue(port) };
            var listener = await client.EnsureListenerAsync(spec, parse.GetValue(key) ?? $"cli/listener/{spec.Environment}/{spec.Port}", ct);
            Write(parse.GetValue(output)!, listener, $"listener {listener.Environment} on {listener.Endpoint}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateInfraSet()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var environment = new Option<string>("--env") { Description = "Environment that owns the infra-set.", HelpName = "name", Required = true };
        var artifact = new Option<string>("--artifact") { Description = "Artifact id: <artifacts-dir>/<id>.json, e.g. sample-v2.", HelpName = "id", Required = true };
        var instances = new Option<int>("--instances") { Description = "Number of instances (1-16).", HelpName = "n", DefaultValueFactory = _ => 1 };
        var wait = new Option<string?>("--wait") { Description = "Wait until healthy, at most this long (e.g. 30s).", HelpName = "d" };
        var key = Key();
        var command = new Command("create", "Create an immutable infra-set of an artifact and start its instances.\nExample: ddctl local create --env staging --artifact sample-v2 --wait 30s")
        {
            dataDir, environment, artifact, instances, wait, key, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            using var client = new LocalInfraProvider(DataDirectory(parse, dataDir));
            var spec = new InfraSetSpec { Environment = parse.GetValue(environment)!, ArtifactId = parse.GetValue(artifact)!, InstanceCount = parse.GetValue(instances) };
            var info = await client.CreateInfraSetAsync(spec, parse.GetValue(key) ?? $"cli/create/{Guid.NewGuid():N}", ct);
            if (parse.GetValue(wait) is { } waitText)
            {
                info = await client.WaitHealthyAsync(info.Id, ParseDuration(waitText), ct);
            }

            Write(parse.GetValue(output)!, info, $"{info.Id} ({info.Version}): {info.Status}, {info.StatusMessage}");
            return info.Status == InfraSetStatus.Healthy || parse.GetValue(wait) is null ? ExitCodes.Ok : ExitCodes.WorkflowFailed;
        }));
        return command;
    }

    private static Command Weights()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var environment = new Option<string>("--env") { Description = "Environment whose listener changes.", HelpName = "name", Required = true };
        var set = new Option<string[]>("--set")
        {
            Description = "infra-set-id=weight (0-999); repeat for each infra-set. Replaces the whole table. Without --set, shows the applied weights.",
            HelpName = "id=weight",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var key = Key();
        var command = new Command("weights", "Set or show the environment listener's weights.\nExample: ddctl local weights --env staging --set staging-sample-v1-0001=90 --set staging-sample-v2-0002=10")
        {
            dataDir, environment, set, key, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            using var client = new LocalInfraProvider(DataDirectory(parse, dataDir));
            var env = parse.GetValue(environment)!;
            var pairs = parse.GetValue(set) ?? [];
            ListenerWeights applied;
            if (pairs.Length == 0)
            {
                applied = await client.GetWeightsAsync(env, ct);
            }
            else
            {
                var weights = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var pair in pairs)
                {
                    var parts = pair.Split('=', 2);
                    if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var weight) || !weights.TryAdd(parts[0], weight))
                    {
                        throw CliException.BadInput($"--set '{pair}' is not infra-set-id=weight (or names an infra-set twice). Use e.g. --set staging-sample-v2-0002=10.");
                    }
                }

                var defaultKey = $"cli/weights/{env}/" + string.Join(",", weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"))
                    + "/" + (await client.GetWeightsAsync(env, ct)).Revision.ToString(CultureInfo.InvariantCulture);
                applied = await client.SetWeightsAsync(env, weights, parse.GetValue(key) ?? defaultKey, ct);
            }

            Write(
                parse.GetValue(output)!,
                applied,
                $"{env} revision {applied.Revision}: " + (applied.Weights.Count == 0 ? "(none)" : string.Join(", ", applied.Weights.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => $"{w.Key}={w.Value}"))));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Delete()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var id = new Option<string>("--infra-set") { Description = "Infra-set id (it must take no traffic).", HelpName = "id", Required = true };
        var key = Key();
        var command = new Command("delete", "Stop and delete an infra-set that takes no traffic (refused while its weight is positive).")
        {
            dataDir, id, key, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            using var client = new LocalInfraProvider(DataDirectory(parse, dataDir));
            var infraSetId = parse.GetValue(id)!;
            var info = await client.DeleteInfraSetAsync(infraSetId, parse.GetValue(key) ?? $"cli/delete/{infraSetId}", ct);
            Write(parse.GetValue(output)!, info, $"{info.Id}: {info.Status}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Write<T>(string output, T value, string line)
    {
        if (output == "json")
        {
            Output.Json(Output.ToNode(value));
        }
        else
        {
            Console.Out.WriteLine(line);
        }
    }
}
