using DurableDelivery.Domain.Common;

namespace DurableDelivery.Domain.Tests.Environments;

public class DurationTextTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("0", 0)]
    [InlineData("2d", 172_800_000)]
    public void TryParse_Valid_ReturnsDuration(string text, long ms)
    {
        DurationText.TryParse(text, out var value).ShouldBeTrue();
        value.ShouldBe(TimeSpan.FromMilliseconds(ms));
        DurationText.TryParse(DurationText.Format(value), out var back).ShouldBeTrue();
        back.ShouldBe(value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("-5s")]
    [InlineData("s")]
    [InlineData("1.5m")]
    public void TryParse_Invalid_Fails(string text) => DurationText.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void Format_Combined_IsShortest() => DurationText.Format(TimeSpan.FromSeconds(90.5)).ShouldBe("1m30s500ms");
}
