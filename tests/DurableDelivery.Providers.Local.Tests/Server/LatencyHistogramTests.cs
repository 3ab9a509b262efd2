using DurableDelivery.Providers.Local.Server;

namespace DurableDelivery.Providers.Local.Tests.Server;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(1_000)]
    [InlineData(123_456)]
    [InlineData(60_000_000)]
    public void IndexOf_AnyValue_BucketMiddleWithinSixPercent(long microseconds)
    {
        var middle = LatencyHistogram.ValueOf(LatencyHistogram.IndexOf(microseconds));
        Math.Abs(middle - microseconds).ShouldBeLessThanOrEqualTo(Math.Max(0.5, microseconds * 0.0625));
    }

    [Fact]
    public void QuantileMs_UniformOneToThousandMs_MatchesWithinResolution()
    {
        var histogram = new LatencyHistogram();
        for (var ms = 1; ms <= 1000; ms++)
        {
            histogram.Record(ms * 1000L);
        }

        histogram.QuantileMs(0.50).ShouldNotBeNull().ShouldBe(500, tolerance: 500 * 0.0625);
        histogram.QuantileMs(0.99).ShouldNotBeNull().ShouldBe(990, tolerance: 990 * 0.0625);
        new LatencyHistogram().QuantileMs(0.5).ShouldBeNull();
    }

    [Fact]
    public void RoutingTable_Pick_FollowsCumulativeWeightsAndSkipsZero()
    {
        var weights = new ListenerWeights { Environment = "e", Weights = new Dictionary<string, int> { ["a"] = 90, ["b"] = 10, ["c"] = 0 } };
        var table = new RoutingTable(weights, _ => null);
        table.Total.ShouldBe(100);
        var picks = Enumerable.Range(0, 100).Select(roll => table.Pick(roll).InfraSetId).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        picks.ShouldBe(new Dictionary<string, int> { ["a"] = 90, ["b"] = 10 });
    }
}
