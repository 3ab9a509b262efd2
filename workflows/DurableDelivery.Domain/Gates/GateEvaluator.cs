using System.Globalization;

namespace DurableDelivery.Domain.Gates;

/// <summary>
/// Judges a bake Kayenta-style: each metric of the new infra-set is compared with the stable infra-set's over the same
/// window, then the results are scored.
/// </summary>
/// <remarks>
/// <para>Per metric: fewer than <see cref="GateSettings.MinDataPoints"/> samples on either side is
/// <see cref="MetricClassification.NoData"/>. Otherwise a two-sided Mann-Whitney U test; the metric is
/// <see cref="MetricClassification.High"/> when p &lt; 1 - confidence and the Hodges-Lehmann shift is above the band
/// <c>max(tolerance x |stable median|, minimumShift)</c>, <see cref="MetricClassification.Low"/> when significantly
/// below minus the band, else <see cref="MetricClassification.Pass"/>.</para>
/// <para>Absolute guard: when the canary mean is above the metric's ceiling the metric is High even if the stable
/// infra-set is as bad (a broken dependency must not let a bad release through), except when the canary is
/// significantly better (Low): rolling back would then make things worse.</para>
/// <para>Verdict: any critical metric High is <see cref="GateVerdict.Fail"/> (evidence of harm wins); otherwise any
/// metric without data is <see cref="GateVerdict.Inconclusive"/> (stricter than Kayenta's "half the metrics": too
/// little data is never a pass); otherwise score = passing weight / all weight x 100: Pass at or above the pass score,
/// Marginal at or above the marginal score, else Fail.</para>
/// </remarks>
public static class GateEvaluator
{
    /// <summary>Evaluates a gate.</summary>
    /// <param name="settings">The environment's gate settings.</param>
    /// <param name="samples">Samples per metric; a metric of the settings without samples has no data.</param>
    /// <returns>The verdict with every number behind it.</returns>
    public static GateResult Evaluate(GateSettings settings, IReadOnlyList<MetricSamples> samples)
    {
        var results = settings.Metrics
            .Select(gate => EvaluateMetric(settings, gate, samples.FirstOrDefault(s => s.Kind == gate.Kind)))
            .ToList();

        if (results.Count == 0)
        {
            return new GateResult { Verdict = GateVerdict.Inconclusive, Reason = GateReasons.GateInconclusive, Message = "no metrics to judge", Metrics = results };
        }

        var criticalFailures = results.Where(r => r.Critical && r.Classification == MetricClassification.High).ToList();
        if (criticalFailures.Count > 0)
        {
            return new GateResult { Verdict = GateVerdict.Fail, Reason = GateReasons.GateFailed, Message = Join(criticalFailures), Score = 0, Metrics = results };
        }

        var noData = results.Where(r => r.Classification == MetricClassification.NoData).ToList();
        if (noData.Count > 0)
        {
            return new GateResult { Verdict = GateVerdict.Inconclusive, Reason = GateReasons.GateInconclusive, Message = "too little data: " + Join(noData), Metrics = results };
        }

        var score = Math.Round(100 * results.Where(r => r.Passed).Sum(r => r.Weight) / results.Sum(r => r.Weight), 2);
        var failing = results.Where(r => !r.Passed).ToList();
        var scoreText = score.ToString("0.##", CultureInfo.InvariantCulture);
        if (score >= settings.PassScore)
        {
            return new GateResult { Verdict = GateVerdict.Pass, Reason = GateReasons.GatePassed, Message = $"score {scoreText}: {Join(results)}", Score = score, Metrics = results };
        }

        var verdict = score >= settings.MarginalScore ? GateVerdict.Marginal : GateVerdict.Fail;
        return new GateResult
        {
            Verdict = verdict,
            Reason = verdict == GateVerdict.Marginal ? GateReasons.GateMarginal : GateReasons.GateFailed,
            Message = $"score {scoreText} (pass {Format(settings.PassScore)}, marginal {Format(settings.MarginalScore)}): {Join(failing)}",
            Score = score,
            Metrics = results,
        };
    }

    internal static MetricResult EvaluateMetric(GateSettings settings, MetricGate gate, MetricSamples? samples)
    {
        // A second without traffic may arrive as NaN (0/0 error rate): it is not a data point.
        IReadOnlyList<double> canary = (samples?.Canary ?? []).Where(double.IsFinite).ToArray();
        IReadOnlyList<double> baseline = (samples?.Baseline ?? []).Where(double.IsFinite).ToArray();
        var name = Name(gate.Kind);
        var result = new MetricResult
        {
            Kind = gate.Kind,
            Classification = MetricClassification.NoData,
            Critical = gate.Critical,
            Weight = gate.Weight,
            CanaryCount = canary.Count,
            BaselineCount = baseline.Count,
            CanaryMedian = canary.Count > 0 ? MannWhitney.Median(canary) : null,
            BaselineMedian = baseline.Count > 0 ? MannWhitney.Median(baseline) : null,
            CanaryMean = canary.Count > 0 ? canary.Average() : null,
            BaselineMean = baseline.Count > 0 ? baseline.Average() : null,
            Message = string.Create(CultureInfo.InvariantCulture, $"{name} has {canary.Count} data points on the new infra-set and {baseline.Count} on the stable one; {settings.MinDataPoints} needed on each"),
        };
        if (canary.Count < settings.MinDataPoints || baseline.Count < settings.MinDataPoints)
        {
            return result;
        }

        var test = MannWhitney.Test(canary, baseline);
        var shift = MannWhitney.HodgesLehmann(canary, baseline);
        var band = Math.Max(gate.Tolerance * Math.Abs(result.BaselineMedian!.Value), gate.MinimumShift);
        var significant = test.PValue < 1 - settings.Confidence;
        var classification = !significant ? MetricClassification.Pass
            : shift > band ? MetricClassification.High
            : shift < -band ? MetricClassification.Low
            : MetricClassification.Pass;
        var aboveCeiling = gate.Ceiling is { } ceiling && result.CanaryMean!.Value > ceiling;
        if (aboveCeiling && classification != MetricClassification.Low)
        {
            classification = MetricClassification.High;
        }

        var p = test.PValue < 0.001 ? "p<0.001" : "p=" + test.PValue.ToString("0.###", CultureInfo.InvariantCulture);
        var message = $"{name} {Value(gate.Kind, result.CanaryMean!.Value)} vs {Value(gate.Kind, result.BaselineMean!.Value)} stable ({p})";
        if (aboveCeiling)
        {
            message += classification == MetricClassification.Low
                ? $", above the {Value(gate.Kind, gate.Ceiling!.Value)} ceiling but better than stable"
                : $", above the {Value(gate.Kind, gate.Ceiling!.Value)} ceiling";
        }

        return result with
        {
            Classification = classification,
            U = test.U,
            PValue = test.PValue,
            Shift = shift,
            Band = band,
            AboveCeiling = aboveCeiling,
            Message = message,
        };
    }

    private static string Join(IEnumerable<MetricResult> results) => string.Join("; ", results.Select(r => r.Message));

    private static string Name(MetricKind kind) => kind == MetricKind.ErrorRate ? "error rate" : "latency p99";

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Value(MetricKind kind, double value) => kind == MetricKind.ErrorRate
        ? Format(value * 100) + "%"
        : value.ToString("0.#", CultureInfo.InvariantCulture) + " ms";
}
