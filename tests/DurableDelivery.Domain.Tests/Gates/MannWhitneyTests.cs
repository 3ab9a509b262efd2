using DurableDelivery.Domain.Gates;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Domain.Tests.Gates;

public class MannWhitneyTests
{
    [Fact]
    public void Test_RWilcoxTestExample_MatchesTextbookValues()
    {
        // R's ?wilcox.test example (Hollander & Wolfe, p. 110): W = 35; normal approximation with continuity correction p = 0.2446.
        double[] x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
        double[] y = [1.15, 0.88, 0.90, 0.74, 1.21];

        var result = MannWhitney.Test(x, y);

        result.U.ShouldBe(35);
        result.N1.ShouldBe(10);
        result.N2.ShouldBe(5);
        result.PValue.ShouldBe(0.244624, 1e-5);
        result.Z.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Test_WithTies_UsesTieCorrectedVariance()
    {
        // Cross-checked by a pair-counting implementation with Python's math.erfc: U = 34, p = 0.0172107.
        double[] x = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 8];
        double[] y = [3, 4, 4, 5, 5, 6, 6, 7, 8, 8, 9, 9, 10];

        var result = MannWhitney.Test(x, y);

        result.U.ShouldBe(34);
        result.PValue.ShouldBe(0.0172107, 1e-5);
        result.Z.ShouldBeLessThan(0);
        MannWhitney.HodgesLehmann(x, y).ShouldBe(-2);
    }

    [Fact]
    public void Test_AllValuesTied_PValueIsOne()
    {
        var result = MannWhitney.Test([0, 0, 0], [0, 0]);

        result.U.ShouldBe(3);
        result.PValue.ShouldBe(1);
    }

    [Fact]
    public void Test_EmptyOrNotFinite_Throws()
    {
        Should.Throw<ArgumentException>(() => MannWhitney.Test([], [1])).Message.ShouldStartWith("The sample is empty.");
        Should.Throw<ArgumentException>(() => MannWhitney.Test([1], [double.NaN])).Message.ShouldStartWith("The sample holds a value that is not finite.");
    }

    [Fact]
    public void Erfc_KnownValues() =>
        new[] { MannWhitney.Erfc(0), MannWhitney.Erfc(1), MannWhitney.Erfc(-1), MannWhitney.Erfc(3) }
            .Zip(new[] { 1.0, 0.157299207, 1.842700793, 2.20904970e-5 })
            .ShouldAllBe(pair => Math.Abs(pair.First - pair.Second) <= 1.2e-7 * Math.Max(1, pair.Second) + 1e-9);

    [Fact]
    public void Test_Properties_USymmetricAndPValueBounded()
    {
        var sample = Gen.Choose(0, 20).Select(i => (double)i).NonEmptyListOf().Select(l => l.ToArray()).ToArbitrary();
        Prop.ForAll(sample, sample, (x, y) =>
        {
            var xy = MannWhitney.Test(x, y);
            var yx = MannWhitney.Test(y, x);
            return Math.Abs(xy.U + yx.U - (x.Length * y.Length)) < 1e-9
                && Math.Abs(xy.PValue - yx.PValue) < 1e-12
                && xy.PValue is >= 0 and <= 1
                && Math.Abs(MannWhitney.HodgesLehmann(x, y) + MannWhitney.HodgesLehmann(y, x)) < 1e-9;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void HodgesLehmann_Selection_MatchesAllPairs()
    {
        var sample = Gen.Choose(-50, 50).Select(i => i / 4.0).NonEmptyListOf().Select(l => l.ToArray()).ToArbitrary();
        Prop.ForAll(sample, sample, (x, y) =>
            MannWhitney.HodgesLehmannBySelection(x, y) == MannWhitney.HodgesLehmannByPairs(x, y)).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void HodgesLehmann_AnHourOfSamples_ShiftFound()
    {
        var x = Enumerable.Range(0, 3600).Select(i => 100.0 + (i % 37)).ToArray();
        var y = Enumerable.Range(0, 3600).Select(i => 90.0 + (i % 37)).ToArray();

        MannWhitney.HodgesLehmann(x, y).ShouldBe(10);
    }
}
