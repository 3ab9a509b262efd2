using System.Text.Json;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.VersionSets;

namespace DurableDelivery.Domain.Tests.Environments;

public class EnvironmentDeclarationTests
{
    [Theory]
    [InlineData("demo", true)]
    [InlineData("prod-eu_1", true)]
    [InlineData("9lives", true)]
    [InlineData("D", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("-demo", false)]
    [InlineData("_demo", false)]
    [InlineData("demo env", false)]
    [InlineData("demo/1", false)]
    [InlineData("dém", false)]
    [InlineData("demo\n", false)]
    public void IsValidName_LettersDigitsDashUnderscore_StartingWithLetterOrDigit(string? name, bool valid) =>
        EnvironmentDeclaration.IsValidName(name).ShouldBe(valid);

    [Fact]
    public void Parse_ShippedDemoEnvironment_IsValid()
    {
        var env = EnvironmentDeclaration.Parse(RepoFiles.Read("infra/environments/demo.yaml"), "infra/environments/demo.yaml").GetValueOrThrow();

        env.Name.ShouldBe("demo");
        env.Provider.ShouldBe(ProviderKind.Local);
        env.Listener.Port.ShouldBe(18080);
        env.Instances.ShouldBe(2);
        env.Artifact.ShouldBe(new ArtifactMapping { Component = "app", Format = "{artifact}" });
        env.Rollout.Steps.Select(s => (s.Weight, s.Bake)).ShouldBe([(10, TimeSpan.FromSeconds(15)), (50, TimeSpan.FromSeconds(15)), (100, TimeSpan.Zero)]);
        env.Gates.MinDataPoints.ShouldBe(10);
        env.Gates.Metrics.Select(m => (m.Kind, m.Critical, m.MinimumShift, m.Ceiling)).ShouldBe([(MetricKind.ErrorRate, true, 0.005, (double?)0.05), (MetricKind.LatencyP99, false, 20d, (double?)null)]);
        env.WarmRetention.ShouldBe(2);
        env.Supersede.ShouldBe(SupersedePolicy.SupersedeQueued);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ShippedVersionSets_AreValidAndMapToSampleArtifacts(int n)
    {
        var env = EnvironmentDeclaration.Parse(RepoFiles.Read("infra/environments/demo.yaml"), "demo.yaml").GetValueOrThrow();
        var set = VersionSet.Parse(RepoFiles.Read($"infra/version-sets/v{n}.yaml"), $"v{n}.yaml").GetValueOrThrow();

        env.Artifact.Resolve(set).ShouldBe($"sample-v{n}");
    }

    [Fact]
    public void Parse_Minimal_FillsDocumentedDefaults()
    {
        const string text = """
            name: staging
            provider: aws
            listener:
              arn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2
            artifact:
              component: app
              format: "ami-{artifact}"
            """;

        var env = EnvironmentDeclaration.Parse(text, "staging.yaml").GetValueOrThrow();

        env.Instances.ShouldBe(2);
        env.WarmRetention.ShouldBe(2);
        env.Rollout.Steps.Select(s => s.Weight).ShouldBe([5, 25, 50, 100]);
        env.Rollout.Steps[0].Bake.ShouldBe(TimeSpan.FromMinutes(5));
        env.Gates.MinDataPoints.ShouldBe(50);
        env.Gates.Confidence.ShouldBe(0.98);
        env.Gates.MarginalScore.ShouldBe(75);
        env.Gates.PassScore.ShouldBe(95);
        env.Gates.Metrics.Select(m => m.Kind).ShouldBe([MetricKind.ErrorRate, MetricKind.LatencyP99]);
        env.Supersede.ShouldBe(SupersedePolicy.SupersedeQueued);
        var set = new VersionSet { Stack = "s", Components = [new VersionSetComponent { Name = "app", Version = SemVer.Parse("1.2.3"), Artifact = "0abc" }] };
        env.Artifact.Resolve(set).ShouldBe("ami-0abc");
    }

    [Fact]
    public void Parse_EveryProblem_ReportedAtOnce()
    {
        const string text = """
            name: demo env
            provider: gcp
            instances: 0
            artifact:
              format: "{artifact}-{colour}"
            rollout:
              - weight: 50
                bake: 5 minutes
              - weight: 25
              - weight: 75
            gates:
              minDataPoints: lots
              marginalScore: 96
              metrics:
                - metric: errorRate
                - metric: errorRate
                - metric: cpu
            warmRetention: 0
            supersede: never
            """;

        var problems = EnvironmentDeclaration.Parse(text, "bad.yaml").Problems.Select(p => p.ToString()).ToList();

        problems.ShouldBe(
        [
            "bad.yaml:1: Environment name 'demo env' is not valid. Use letters, digits, '-' and '_', starting with a letter or digit.",
            "bad.yaml:2: Environment 'demo env' has provider 'gcp'. Set 'provider' to 'local' or 'aws'.",
            "bad.yaml:3: 'instances' in the environment is '0'; it must be a whole number from 1 to 100.",
            "bad.yaml:5: Environment 'demo env' has no 'artifact.component'. Set it to the version set component that is the deployable artifact, e.g. 'component: app'.",
            "bad.yaml:5: Environment 'demo env' has artifact format '{artifact}-{colour}' with an unknown placeholder. Use only {artifact}, {version}, {component}, {stack}.",
            "bad.yaml:8: 'bake' in rollout step 1 is '5 minutes'; it must be a duration such as 30s, 5m, 1h or 1m30s.",
            "bad.yaml:9: Rollout step 2 has weight 25, not more than the previous step's 50. List weights in increasing order, e.g. 5, 25, 50, 100.",
            "bad.yaml:10: The last rollout step has weight 75. End the rollout with a step of weight 100.",
            "bad.yaml:12: 'minDataPoints' in 'gates' is 'lots'; it must be a whole number from 1 to 1000000.",
            "bad.yaml:16: Gate metric 'errorRate' is listed more than once. Keep one entry per metric.",
            "bad.yaml:17: Gate metric 3 is 'cpu'. Set 'metric' to 'errorRate' or 'latencyP99'.",
            "bad.yaml:12: Gate marginalScore 96 is above passScore 95. Set marginalScore at or below passScore.",
            "bad.yaml:18: 'warmRetention' in the environment is '0'; it must be a whole number from 1 to 10.",
            "bad.yaml:19: Environment 'demo env' has supersede policy 'never'. Set 'supersede' to 'supersedeQueued' (newest waiting request wins) or 'queue' (all run in order).",
        ]);
    }

    [Theory]
    [InlineData("name: a\nprovider: local\nartifact: {component: app}\n", "a.yaml: Environment 'a' uses the local provider but has no 'listener.port'. Set 'listener.port' to the loopback port the local load balancer listens on, e.g. 8080.")]
    [InlineData("name: a\nprovider: aws\nlistener: {port: 80}\nartifact: {component: app}\n", "a.yaml:3: Environment 'a' uses the aws provider but has no 'listener.arn'. Set 'listener.arn' to the ALB listener's ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/app/...).|a.yaml:3: Environment 'a' sets 'listener.port', which only the local provider uses. Remove it or set 'provider: local'.")]
    [InlineData("name: a\nprovider: aws\nlistener: {arn: nope}\nartifact: {component: app}\n", "a.yaml:3: Environment 'a' has listener ARN 'nope', which is not an ALB listener ARN. Use arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>.")]
    [InlineData("provider: local\nlistener: {port: 99999}\nartifact: {component: app}\nrollout: []\n", "a.yaml: Environment has no 'name'. Set 'name' to the environment's name, e.g. 'name: demo'.|a.yaml:2: 'port' in 'listener' is '99999'; it must be a whole number from 1 to 65535.|a.yaml:4: Environment '?' has an empty 'rollout'. List at least one step, ending with weight 100, or omit 'rollout' for the default 5, 25, 50, 100.")]
    [InlineData("name: a\nlistener: {port: 1}\nartifact: {component: app}\ngates: {metrics: []}\n", "a.yaml: Environment 'a' has no 'provider'. Set 'provider' to 'local' or 'aws'.|a.yaml:4: Gates have an empty 'metrics' list. List at least one of errorRate, latencyP99, or omit 'metrics' for both.")]
    public void Parse_ListenerAndShapeProblems_ClearMessages(string text, string expected) =>
        EnvironmentDeclaration.Parse(text, "a.yaml").Problems.Select(p => p.ToString()).ShouldBe(expected.Split('|'));

    private const string Head = "name: a\nprovider: local\nlistener: {port: 1}\nartifact: {component: app}\n";

    [Fact]
    public void Parse_GatedStepWithoutBake_IsRefusedNamingStepBakeMinimumAndFix()
    {
        var text = Head + "rollout:\n  - weight: 10\n  - weight: 50\n    bake: 15s\n  - weight: 100\ngates: {minDataPoints: 10}\n";

        var problems = EnvironmentDeclaration.Parse(text, "a.yaml").Problems.Select(p => p.ToString());

        problems.ShouldBe(["a.yaml:6: Rollout step 1 (weight 10) bakes 0s, but its health gate needs 10 per-second data points (gates.minDataPoints), so at least 10s. Set this step's 'bake' to 10s or more, or lower gates.minDataPoints."]);
    }

    [Fact]
    public void Parse_GatedBakeShorterThanMinDataPoints_IsRefused()
    {
        // 30 s of samples against the default 50: the gate could only ever end Inconclusive and pause.
        var text = Head + "rollout:\n  - weight: 25\n    bake: 30s\n  - weight: 100\n";

        var problems = EnvironmentDeclaration.Parse(text, "a.yaml").Problems.Select(p => p.ToString());

        problems.ShouldBe(["a.yaml:6: Rollout step 1 (weight 25) bakes 30s, but its health gate needs 50 per-second data points (gates.minDataPoints), so at least 50s. Set this step's 'bake' to 50s or more, or lower gates.minDataPoints."]);
    }

    [Fact]
    public void Parse_BakeOfExactlyMinDataPointsSeconds_AndUngatedFinalStepWithoutBake_AreValid()
    {
        var text = Head + "rollout:\n  - weight: 10\n    bake: 10s\n  - weight: 100\ngates: {minDataPoints: 10}\n";

        var env = EnvironmentDeclaration.Parse(text, "a.yaml").GetValueOrThrow();

        env.Rollout.Steps.Select(s => (s.Weight, s.Bake)).ShouldBe([(10, TimeSpan.FromSeconds(10)), (100, TimeSpan.Zero)]);
        RolloutPlan.IsGated(env.Rollout.Steps[1]).ShouldBeFalse("at 100% the stable infra-set takes no traffic to compare with");
    }

    [Fact]
    public void Parse_DefaultRolloutWithMoreDataPointsThanItsBakes_IsRefusedForEachGatedStep()
    {
        var problems = EnvironmentDeclaration.Parse(Head + "gates: {minDataPoints: 301}\n", "a.yaml").Problems.Select(p => p.ToString());

        problems.ShouldBe(
        [
            "a.yaml: Rollout step 1 (weight 5) bakes 5m, but its health gate needs 301 per-second data points (gates.minDataPoints), so at least 5m1s. Set this step's 'bake' to 5m1s or more, or lower gates.minDataPoints.",
            "a.yaml: Rollout step 2 (weight 25) bakes 5m, but its health gate needs 301 per-second data points (gates.minDataPoints), so at least 5m1s. Set this step's 'bake' to 5m1s or more, or lower gates.minDataPoints.",
            "a.yaml: Rollout step 3 (weight 50) bakes 5m, but its health gate needs 301 per-second data points (gates.minDataPoints), so at least 5m1s. Set this step's 'bake' to 5m1s or more, or lower gates.minDataPoints.",
        ]);
    }

    [Fact]
    public void Validate_DeclarationBuiltInCode_ReportsShortGatedBakes()
    {
        var env = EnvironmentDeclaration.Parse(RepoFiles.Read("infra/environments/demo.yaml"), "demo.yaml").GetValueOrThrow();
        env.Validate("demo.yaml").ShouldBeEmpty();

        var zero = env with { Rollout = new RolloutPlan { Steps = [new RolloutStep { Weight = 10 }, new RolloutStep { Weight = 100 }] } };

        zero.Validate("request").Select(p => p.ToString()).ShouldBe(["request: Rollout step 1 (weight 10) bakes 0s, but its health gate needs 10 per-second data points (gates.minDataPoints), so at least 10s. Set this step's 'bake' to 10s or more, or lower gates.minDataPoints."]);
    }

    [Fact]
    public void Json_RoundTrip_KeepsDeclaration()
    {
        var env = EnvironmentDeclaration.Parse(RepoFiles.Read("infra/environments/demo.yaml"), "demo.yaml").GetValueOrThrow();

        var back = JsonSerializer.Deserialize<EnvironmentDeclaration>(JsonSerializer.Serialize(env))!;

        back.Rollout.Steps.Select(s => (s.Weight, s.Bake)).ShouldBe(env.Rollout.Steps.Select(s => (s.Weight, s.Bake)));
        back.Gates.Metrics.ShouldBe(env.Gates.Metrics);
        (back with { Rollout = env.Rollout, Gates = env.Gates }).ShouldBe(env);
    }

    [Fact]
    public void Parse_HealthCheckInterval_DefaultsToAMinute_ReadsADuration_RefusesOutOfBounds()
    {
        const string Base = "name: demo\nprovider: local\nlistener:\n  port: 18080\nartifact:\n  component: app\n";

        EnvironmentDeclaration.Parse(Base, "a.yaml").GetValueOrThrow().HealthCheckInterval.ShouldBe(TimeSpan.FromMinutes(1));
        EnvironmentDeclaration.Parse(Base + "healthCheckInterval: 2m30s\n", "a.yaml").GetValueOrThrow().HealthCheckInterval.ShouldBe(TimeSpan.FromSeconds(150));
        EnvironmentDeclaration.Parse(Base + "healthCheckInterval: 5s\n", "a.yaml").Problems.Select(p => p.ToString())
            .ShouldBe(["a.yaml:7: 'healthCheckInterval' is 5s; it must be from 10s to 1h, e.g. 'healthCheckInterval: 1m'."]);
        var inCode = EnvironmentDeclaration.Parse(Base, "a.yaml").GetValueOrThrow() with { HealthCheckInterval = TimeSpan.FromHours(2) };
        inCode.Validate("demo").Select(p => p.ToString()).ShouldBe(["demo: 'healthCheckInterval' is 2h; it must be from 10s to 1h, e.g. 'healthCheckInterval: 1m'."]);
    }
}
