using System.Text.Json;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Traffic;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Domain.Tests.Traffic;

public class TrafficWeightsTests
{
    [Fact]
    public void Validate_EveryProblemAtOnce()
    {
        var weights = TrafficWeights.Of(("a", -1), ("b", 1000), ("ghost", 0));

        weights.Validate(["a", "b"]).ShouldBe(
        [
            "weight of infra-set 'a' is -1; weights must be from 0 to 999",
            "weight of infra-set 'b' is 1000; weights must be from 0 to 999",
            "weights name infra-set 'ghost', which does not exist; infra-sets: a, b",
        ]);
        TrafficWeights.Of(("a", 0)).Validate(["a"]).ShouldBe(["weights sum to 0; at least one infra-set must take traffic"]);
        TrafficWeights.Of(("a", 90), ("b", 10)).Validate(["a", "b"]).ShouldBeEmpty();
    }

    [Fact]
    public void Equality_IgnoresOrder_AndJsonRoundTrips()
    {
        var a = TrafficWeights.Of(("b", 10), ("a", 90));
        var b = TrafficWeights.Of(("a", 90), ("b", 10));

        a.ShouldBe(b);
        a.GetHashCode().ShouldBe(b.GetHashCode());
        a.ToString().ShouldBe("a=90, b=10");
        a.PercentOf("b").ShouldBe(10);
        a.Receiving.ShouldBe(["a", "b"]);
        JsonSerializer.Deserialize<TrafficWeights>(JsonSerializer.Serialize(a)).ShouldBe(a);
        JsonSerializer.Serialize(a).ShouldBe("""{"Weights":{"a":90,"b":10}}""");
    }

    [Fact]
    public void WeightPlan_DemoSteps_StableThenCanaryOnly()
    {
        var plan = new RolloutPlan { Steps = [new RolloutStep { Weight = 10 }, new RolloutStep { Weight = 50 }, new RolloutStep { Weight = 100 }] };

        WeightPlan.For(plan, "demo-1", "demo-2").Select(w => w.ToString()).ShouldBe(["demo-1=90, demo-2=10", "demo-1=50, demo-2=50", "demo-2=100"]);
        WeightPlan.For(plan, null, "demo-1").Select(w => w.ToString()).ShouldBe(["demo-1=100"]);
    }

    [Fact]
    public void WeightPlan_InvalidPlan_Throws()
    {
        var bad = new RolloutPlan { Steps = [new RolloutStep { Weight = 50 }, new RolloutStep { Weight = 50 }, new RolloutStep { Weight = 100 }] };

        Should.Throw<ArgumentException>(() => WeightPlan.For(bad, "a", "b")).Message.ShouldStartWith("A rollout plan needs weights from 1 to 100, in increasing order, ending at 100.");
        Should.Throw<ArgumentException>(() => WeightPlan.For(new RolloutPlan(), "a", "a")).Message.ShouldStartWith("The stable and the new infra-set are both 'a'.");
    }

    [Fact]
    public void WeightPlan_Property_EveryStepValidMonotonicAndEndsOnCanary()
    {
        var steps = Gen.Choose(1, 99).ArrayOf().Select(a => a.Distinct().Order().Append(100).ToArray()).ToArbitrary();
        Prop.ForAll(steps, weights =>
        {
            var plan = new RolloutPlan { Steps = weights.Select(w => new RolloutStep { Weight = w }).ToArray() };
            var maps = WeightPlan.For(plan, "stable", "canary");
            var canary = maps.Select(m => m.WeightOf("canary")).ToArray();
            return maps.Count == weights.Length
                && maps.All(m => m.Total == 100 && m.Validate(["stable", "canary"]).Count == 0)
                && canary.SequenceEqual(weights)
                && maps.Take(maps.Count - 1).All(m => m.Weights.Count == 2 && m.PercentOf("stable") == 100 - m.PercentOf("canary"))
                && maps[^1].Equals(TrafficWeights.All("canary"));
        }).QuickCheckThrowOnFailure();
    }
}
