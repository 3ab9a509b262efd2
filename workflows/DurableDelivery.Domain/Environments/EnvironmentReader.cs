using System.Globalization;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Gates;
using YamlDotNet.RepresentationModel;

namespace DurableDelivery.Domain.Environments;

/// <summary>Reads the nodes of an environment declaration into records, reporting every problem with its line.</summary>
internal static class EnvironmentReader
{
    public static EnvironmentDeclaration? Read(YamlInput input, YamlMappingNode root)
    {
        var before = ProblemCount(input);
        var keys = input.Keys(root, "the environment", "name", "provider", "listener", "instances", "artifact", "rollout", "gates", "warmRetention", "supersede", "healthCheckInterval");
        var name = input.Scalar(keys, "name", "the environment");
        if (name is null)
        {
            input.Problem((int?)null, "Environment has no 'name'. Set 'name' to the environment's name, e.g. 'name: demo'.");
        }
        else if (!EnvironmentDeclaration.IsValidName(name))
        {
            input.Problem(keys["name"], $"Environment name '{name}' is not valid. Use letters, digits, '-' and '_', starting with a letter or digit.");
        }

        var label = $"Environment '{name ?? "?"}'";
        var provider = ReadProvider(input, keys, label);
        var listener = ReadListener(input, keys, label, provider);
        var instances = input.Int(keys, "instances", "the environment", 1, 100) ?? 2;
        var artifact = ReadArtifact(input, keys, label);
        var rollout = ReadRollout(input, keys, label, out var unreadableBakes);
        var gates = ReadGates(input, keys, out var minDataPointsRead);
        if (minDataPointsRead)
        {
            // A step whose bake or minDataPoints could not be read already has its problem; do not add a second one.
            foreach (var (_, step, message) in rollout.BakeProblems(gates).Where(p => !unreadableBakes.Contains(p.Number)))
            {
                input.Problem(step.Line, message);
            }
        }

        var warm = input.Int(keys, "warmRetention", "the environment", 1, 10) ?? 2;
        var supersede = ReadSupersede(input, keys, label);
        var healthCheckInterval = input.Duration(keys, "healthCheckInterval", "the environment");
        if (healthCheckInterval is { } interval && EnvironmentDeclaration.HealthCheckIntervalProblem(interval) is { } intervalProblem)
        {
            input.Problem(keys["healthCheckInterval"], intervalProblem);
        }

        if (ProblemCount(input) > before || name is null || provider is null || artifact is null)
        {
            return null;
        }

        return new EnvironmentDeclaration
        {
            Name = name,
            Provider = provider.Value,
            Listener = listener,
            Instances = instances,
            Artifact = artifact,
            Rollout = rollout,
            Gates = gates,
            WarmRetention = warm,
            Supersede = supersede,
            HealthCheckInterval = healthCheckInterval ?? EnvironmentDeclaration.DefaultHealthCheckInterval,
        };
    }

    private static int ProblemCount(YamlInput input) => input.Count;

    private static ProviderKind? ReadProvider(YamlInput input, Dictionary<string, YamlNode> keys, string label)
    {
        switch (input.Scalar(keys, "provider", "the environment"))
        {
            case null:
                input.Problem((int?)null, $"{label} has no 'provider'. Set 'provider' to 'local' or 'aws'.");
                return null;
            case "local":
                return ProviderKind.Local;
            case "aws":
                return ProviderKind.Aws;
            case var other:
                input.Problem(keys["provider"], $"{label} has provider '{other}'. Set 'provider' to 'local' or 'aws'.");
                return null;
        }
    }

    private static ListenerDeclaration ReadListener(YamlInput input, Dictionary<string, YamlNode> keys, string label, ProviderKind? provider)
    {
        var map = input.Mapping(keys, "listener", "the environment");
        var lk = map is null ? [] : input.Keys(map, "'listener'", "port", "arn");
        var port = input.Int(lk, "port", "'listener'", 1, 65535);
        var arn = input.Scalar(lk, "arn", "'listener'");
        var line = map is null ? (int?)null : YamlInput.LineOf(map);
        if (provider == ProviderKind.Local)
        {
            if (port is null && !lk.ContainsKey("port"))
            {
                input.Problem(line, $"{label} uses the local provider but has no 'listener.port'. Set 'listener.port' to the loopback port the local load balancer listens on, e.g. 8080.");
            }

            if (arn is not null)
            {
                input.Problem(lk["arn"], $"{label} sets 'listener.arn', which only the aws provider uses. Remove it or set 'provider: aws'.");
            }
        }
        else if (provider == ProviderKind.Aws)
        {
            if (arn is null)
            {
                input.Problem(line, $"{label} uses the aws provider but has no 'listener.arn'. Set 'listener.arn' to the ALB listener's ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/...).");
            }
            else if (!arn.StartsWith("arn:aws", StringComparison.Ordinal) || !arn.Contains(":listener/", StringComparison.Ordinal))
            {
                input.Problem(lk["arn"], $"{label} has listener ARN '{arn}', which is not an ALB listener ARN. Use arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>.");
            }

            if (port is not null)
            {
                input.Problem(lk["port"], $"{label} sets 'listener.port', which only the local provider uses. Remove it or set 'provider: local'.");
            }
        }

        return new ListenerDeclaration { Port = port, Arn = arn };
    }

    private static ArtifactMapping? ReadArtifact(YamlInput input, Dictionary<string, YamlNode> keys, string label)
    {
        var map = input.Mapping(keys, "artifact", "the environment");
        var ak = map is null ? [] : input.Keys(map, "'artifact'", "component", "format");
        var component = input.Scalar(ak, "component", "'artifact'");
        var format = input.Scalar(ak, "format", "'artifact'") ?? "{artifact}";
        if (component is null)
        {
            input.Problem(map, $"{label} has no 'artifact.component'. Set it to the version set component that is the deployable artifact, e.g. 'component: app'.");
        }

        var stripped = ArtifactMapping.Placeholders.Aggregate(format, (s, p) => s.Replace(p, string.Empty, StringComparison.Ordinal));
        if (stripped.Contains('{', StringComparison.Ordinal) || stripped.Contains('}', StringComparison.Ordinal))
        {
            input.Problem(ak["format"], $"{label} has artifact format '{format}' with an unknown placeholder. Use only {string.Join(", ", ArtifactMapping.Placeholders)}.");
        }

        return component is null ? null : new ArtifactMapping { Component = component, Format = format };
    }

    private static RolloutPlan ReadRollout(YamlInput input, Dictionary<string, YamlNode> keys, string label, out HashSet<int> unreadableBakes)
    {
        unreadableBakes = [];
        if (input.Sequence(keys, "rollout", "the environment") is not { } seq)
        {
            return new RolloutPlan();
        }

        var steps = new List<RolloutStep>();
        var index = 0;
        foreach (var item in seq.Children)
        {
            index++;
            var context = $"rollout step {index}";
            if (item is not YamlMappingNode map)
            {
                input.Problem(item, $"Rollout step {index} must be a mapping with 'weight' and 'bake', e.g. '- weight: 25' and 'bake: 5m'.");
                continue;
            }

            var sk = input.Keys(map, context, "weight", "bake");
            var weight = input.Int(sk, "weight", context, 1, 100);
            if (weight is null && !sk.ContainsKey("weight"))
            {
                input.Problem(map, $"Rollout step {index} has no 'weight'. Set 'weight' to the percent of traffic (1 to 100) the new infra-set takes.");
            }

            var bake = input.Duration(sk, "bake", context);
            if (weight is { } w)
            {
                if (steps.Count > 0 && w <= steps[^1].Weight)
                {
                    input.Problem(map, $"Rollout step {index} has weight {w}, not more than the previous step's {steps[^1].Weight}. List weights in increasing order, e.g. 5, 25, 50, 100.");
                }

                if (bake is null && sk.ContainsKey("bake"))
                {
                    unreadableBakes.Add(steps.Count + 1);
                }

                steps.Add(new RolloutStep { Weight = w, Bake = bake ?? TimeSpan.Zero, Line = YamlInput.LineOf(map) });
            }
        }

        if (index == 0)
        {
            input.Problem(seq, $"{label} has an empty 'rollout'. List at least one step, ending with weight 100, or omit 'rollout' for the default 5, 25, 50, 100.");
        }
        else if (steps.Count == index && steps[^1].Weight != 100)
        {
            input.Problem(steps[^1].Line, $"The last rollout step has weight {steps[^1].Weight}. End the rollout with a step of weight 100.");
        }

        return new RolloutPlan { Steps = steps };
    }

    private static GateSettings ReadGates(YamlInput input, Dictionary<string, YamlNode> keys, out bool minDataPointsRead)
    {
        var defaults = new GateSettings();
        minDataPointsRead = true;
        if (input.Mapping(keys, "gates", "the environment") is not { } map)
        {
            return defaults;
        }

        var gk = input.Keys(map, "'gates'", "metrics", "minDataPoints", "confidence", "marginalScore", "passScore");
        var minDataPoints = input.Int(gk, "minDataPoints", "'gates'", 1, 1_000_000);
        minDataPointsRead = minDataPoints is not null || !gk.ContainsKey("minDataPoints");
        var settings = new GateSettings
        {
            MinDataPoints = minDataPoints ?? defaults.MinDataPoints,
            Confidence = input.Number(gk, "confidence", "'gates'", 0.5, 0.9999) ?? defaults.Confidence,
            MarginalScore = input.Number(gk, "marginalScore", "'gates'", 0, 100) ?? defaults.MarginalScore,
            PassScore = input.Number(gk, "passScore", "'gates'", 0, 100) ?? defaults.PassScore,
            Metrics = ReadMetrics(input, gk) ?? defaults.Metrics,
        };
        if (settings.MarginalScore > settings.PassScore)
        {
            input.Problem(map, string.Create(CultureInfo.InvariantCulture, $"Gate marginalScore {settings.MarginalScore} is above passScore {settings.PassScore}. Set marginalScore at or below passScore."));
        }

        return settings;
    }

    private static List<MetricGate>? ReadMetrics(YamlInput input, Dictionary<string, YamlNode> gk)
    {
        if (input.Sequence(gk, "metrics", "'gates'") is not { } seq)
        {
            return null;
        }

        var metrics = new List<MetricGate>();
        var index = 0;
        foreach (var item in seq.Children)
        {
            index++;
            var context = $"gate metric {index}";
            if (item is not YamlMappingNode map)
            {
                input.Problem(item, $"Gate metric {index} must be a mapping with 'metric' and optional weight, critical, tolerance, minimumShift, ceiling.");
                continue;
            }

            var mk = input.Keys(map, context, "metric", "weight", "critical", "tolerance", "minimumShift", "ceiling");
            MetricKind? kind = input.Scalar(mk, "metric", context) switch
            {
                "errorRate" => MetricKind.ErrorRate,
                "latencyP99" => MetricKind.LatencyP99,
                _ => null,
            };
            if (kind is null)
            {
                var text = input.Scalar(mk, "metric", context);
                input.Problem(map, text is null
                    ? $"Gate metric {index} has no 'metric'. Set 'metric' to 'errorRate' or 'latencyP99'."
                    : $"Gate metric {index} is '{text}'. Set 'metric' to 'errorRate' or 'latencyP99'.");
                continue;
            }

            if (metrics.Any(m => m.Kind == kind))
            {
                input.Problem(map, $"Gate metric '{ToText(kind.Value)}' is listed more than once. Keep one entry per metric.");
                continue;
            }

            var d = MetricGate.For(kind.Value);
            metrics.Add(d with
            {
                Weight = input.Number(mk, "weight", context, 0.001, 1000) ?? d.Weight,
                Critical = input.Bool(mk, "critical", context) ?? d.Critical,
                Tolerance = input.Number(mk, "tolerance", context, 0, 100) ?? d.Tolerance,
                MinimumShift = input.Number(mk, "minimumShift", context, 0, 1_000_000) ?? d.MinimumShift,
                Ceiling = mk.ContainsKey("ceiling") ? input.Number(mk, "ceiling", context, 0, 1_000_000) : d.Ceiling,
            });
        }

        if (index == 0)
        {
            input.Problem(seq, "Gates have an empty 'metrics' list. List at least one of errorRate, latencyP99, or omit 'metrics' for both.");
        }

        return metrics;
    }

    private static SupersedePolicy ReadSupersede(YamlInput input, Dictionary<string, YamlNode> keys, string label)
    {
        switch (input.Scalar(keys, "supersede", "the environment"))
        {
            case null or "supersedeQueued":
                return SupersedePolicy.SupersedeQueued;
            case "queue":
                return SupersedePolicy.Queue;
            case var other:
                input.Problem(keys["supersede"], $"{label} has supersede policy '{other}'. Set 'supersede' to 'supersedeQueued' (newest waiting request wins) or 'queue' (all run in order).");
                return SupersedePolicy.SupersedeQueued;
        }
    }

    private static string ToText(MetricKind kind) => kind == MetricKind.ErrorRate ? "errorRate" : "latencyP99";
}
