using System.Text.Json;
using DurableDelivery.Domain.Gates;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Domain.Tests.Gates;

public class GateEvaluatorTests
{
    private static readonly GateSettings Settings = new();

    // Deterministic pseudo-random samples: the domain bans System.Random, and tests need reproducible data anyway.
    private static double[] Series(int n, double center, double spread, int seed)
    {
        var values = new double[n];
        var state = (uint)seed * 2654435761u + 1;
        for (var i = 0; i < n; i++)
        {
            state = (state * 1664525u) + 1013904223u;
            values[i] = center + (spread * ((state >> 8) / (double)(1 << 24) - 0.5));
        }

        return values;
    }

    private static MetricSamples Errors(double[] canary, double[] baseline) => new() { Kind = MetricKind.ErrorRate, Canary = canary, Baseline = baseline };

    private static MetricSamples Latency(double[] canary, double[] baseline) => new() { Kind = MetricKind.LatencyP99, Canary = canary, Baseline = baseline };

    [Fact]
    public void Evaluate_BadCanaryErrorRate_FailsWithNumbers()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(60, 0.041, 0.02, 1), Series(60, 0.003, 0.004, 2)), Latency(Series(60, 100, 10, 3), Series(60, 100, 10, 4))]);

        result.Verdict.ShouldBe(GateVerdict.Fail);
        result.Reason.ShouldBe(GateReasons.GateFailed);
        result.Score.ShouldBe(0);
        result.Message.ShouldBe("error rate 4.07% vs 0.28% stable (p<0.001)");
        var errors = result.Metrics[0];
        errors.Classification.ShouldBe(MetricClassification.High);
        errors.CanaryCount.ShouldBe(60);
        errors.U.ShouldBe(3600);
        errors.Shift!.Value.ShouldBeGreaterThan(0.03);
        errors.Band.ShouldBe(0.005);
        result.Metrics[1].Classification.ShouldBe(MetricClassification.Pass);
    }

    [Fact]
    public void Evaluate_SameBehaviour_Passes()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(60, 0.003, 0.004, 5), Series(60, 0.003, 0.004, 6)), Latency(Series(60, 100, 10, 7), Series(60, 100, 10, 8))]);

        result.Verdict.ShouldBe(GateVerdict.Pass);
        result.Reason.ShouldBe(GateReasons.GatePassed);
        result.Score.ShouldBe(100);
        result.Message.ShouldStartWith("score 100: error rate ");
    }

    [Fact]
    public void Evaluate_NonCriticalLatencyHigh_IsMarginalOrFailByScore()
    {
        var samples = new[] { Errors(Series(60, 0.003, 0.004, 5), Series(60, 0.003, 0.004, 6)), Latency(Series(60, 300, 10, 7), Series(60, 100, 10, 8)) };

        var failing = GateEvaluator.Evaluate(Settings, samples);
        var weighted = GateEvaluator.Evaluate(Settings with { Metrics = [MetricGate.For(MetricKind.ErrorRate) with { Weight = 4 }, MetricGate.For(MetricKind.LatencyP99)] }, samples);

        failing.Verdict.ShouldBe(GateVerdict.Fail);
        failing.Score.ShouldBe(50);
        failing.Message.ShouldBe("score 50 (pass 95, marginal 75): latency p99 299.3 ms vs 99.7 ms stable (p<0.001)");
        weighted.Verdict.ShouldBe(GateVerdict.Marginal);
        weighted.Reason.ShouldBe(GateReasons.GateMarginal);
        weighted.Score.ShouldBe(80);
    }

    [Fact]
    public void Evaluate_TooFewPoints_InconclusiveNeverPass()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(12, 0.003, 0.004, 5), Series(60, 0.003, 0.004, 6)), Latency(Series(60, 100, 10, 7), Series(60, 100, 10, 8))]);

        result.Verdict.ShouldBe(GateVerdict.Inconclusive);
        result.Reason.ShouldBe(GateReasons.GateInconclusive);
        result.Score.ShouldBeNull();
        result.Message.ShouldBe("too little data: error rate has 12 data points on the new infra-set and 60 on the stable one; 50 needed on each");
    }

    [Fact]
    public void Evaluate_MetricMissing_Inconclusive()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(60, 0.003, 0.004, 5), Series(60, 0.003, 0.004, 6))]);

        result.Verdict.ShouldBe(GateVerdict.Inconclusive);
        result.Message.ShouldBe("too little data: latency p99 has 0 data points on the new infra-set and 0 on the stable one; 50 needed on each");
    }

    [Fact]
    public void Evaluate_NaNSamples_AreNotDataPoints()
    {
        var canary = Series(60, 0.003, 0.004, 5).Select((v, i) => i < 20 ? double.NaN : v).ToArray();

        var result = GateEvaluator.Evaluate(Settings, [Errors(canary, Series(60, 0.003, 0.004, 6)), Latency(Series(60, 100, 10, 7), Series(60, 100, 10, 8))]);

        result.Verdict.ShouldBe(GateVerdict.Inconclusive);
        result.Metrics[0].CanaryCount.ShouldBe(40);
    }

    [Fact]
    public void Evaluate_NoMetrics_Inconclusive() =>
        GateEvaluator.Evaluate(Settings with { Metrics = [] }, []).Verdict.ShouldBe(GateVerdict.Inconclusive);

    [Fact]
    public void Evaluate_BothAboveCeiling_FailsEvenThoughEqual()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(60, 0.08, 0.01, 1), Series(60, 0.08, 0.01, 2)), Latency(Series(60, 100, 10, 3), Series(60, 100, 10, 4))]);

        result.Verdict.ShouldBe(GateVerdict.Fail);
        result.Metrics[0].AboveCeiling.ShouldBeTrue();
        result.Message.ShouldEndWith(", above the 5% ceiling");
    }

    [Fact]
    public void Evaluate_AboveCeilingButBetterThanStable_Passes()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(60, 0.06, 0.01, 1), Series(60, 0.2, 0.01, 2)), Latency(Series(60, 100, 10, 3), Series(60, 100, 10, 4))]);

        result.Verdict.ShouldBe(GateVerdict.Pass);
        result.Metrics[0].Classification.ShouldBe(MetricClassification.Low);
        result.Metrics[0].Message.ShouldEndWith(", above the 5% ceiling but better than stable");
    }

    [Fact]
    public void Evaluate_SignificantButWithinBand_Passes()
    {
        // 2 ms slower is significant with this little noise but inside the 5 ms minimum shift.
        var result = GateEvaluator.Evaluate(Settings with { Metrics = [MetricGate.For(MetricKind.LatencyP99)] }, [Latency(Series(60, 102, 1, 3), Series(60, 100, 1, 4))]);

        result.Metrics[0].PValue!.Value.ShouldBeLessThan(0.001);
        result.Metrics[0].Classification.ShouldBe(MetricClassification.Pass);
        result.Verdict.ShouldBe(GateVerdict.Pass);
    }

    [Fact]
    public void Property_IdenticalDistributions_NeverFail()
    {
        // The same multiset of values on both sides (in another order) with enough data: never Fail, never High.
        var values = Gen.Choose(0, 1000).Select(i => i / 100_000.0).ArrayOf().Where(a => a.Length >= 50).ToArbitrary();
        Prop.ForAll(values, baseline =>
        {
            var canary = baseline.Reverse().ToArray();
            var latencyBase = baseline.Select(v => 80 + (v * 10_000)).ToArray();
            var result = GateEvaluator.Evaluate(Settings, [Errors(canary, baseline), Latency(latencyBase.Reverse().ToArray(), latencyBase)]);
            return result.Verdict == GateVerdict.Pass && result.Metrics.All(m => m.Classification == MetricClassification.Pass);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Property_ClearlyShiftedErrorRates_AlwaysFail()
    {
        var values = Gen.Choose(0, 1000).Select(i => i / 100_000.0).ArrayOf().Where(a => a.Length >= 50).ToArbitrary();
        var shifts = Gen.Choose(2, 50).Select(i => i / 100.0).ToArbitrary();
        Prop.ForAll(values, shifts, (baseline, shift) =>
        {
            var canary = baseline.Select(v => v + shift).ToArray();
            var result = GateEvaluator.Evaluate(Settings, [Errors(canary, baseline), Latency(Series(60, 100, 10, 1), Series(60, 100, 10, 2))]);
            return result.Verdict == GateVerdict.Fail && result.Reason == GateReasons.GateFailed;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Property_TinySamples_AlwaysInconclusive()
    {
        var small = Gen.Choose(0, 100).Select(i => i / 100.0).ArrayOf().Where(a => a.Length < 50).ToArbitrary();
        Prop.ForAll(small, small, (canary, baseline) =>
        {
            // Latency clean and error rate tiny: nothing may pass on this little data.
            var result = GateEvaluator.Evaluate(Settings, [Latency(canary, baseline), Errors(canary.Select(_ => 0.0).ToArray(), baseline.Select(_ => 0.0).ToArray())]);
            return result.Verdict == GateVerdict.Inconclusive && result.Score is null;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Json_RoundTrip_KeepsNumbers()
    {
        var result = GateEvaluator.Evaluate(Settings, [Errors(Series(60, 0.041, 0.02, 1), Series(60, 0.003, 0.004, 2)), Latency(Series(60, 100, 10, 3), Series(60, 100, 10, 4))]);

        var json = JsonSerializer.Serialize(result);
        var back = JsonSerializer.Deserialize<GateResult>(json)!;

        json.ShouldContain("\"Verdict\":\"Fail\"");
        back.Metrics.ShouldBe(result.Metrics);
        (back with { Metrics = result.Metrics }).ShouldBe(result);
    }
}
