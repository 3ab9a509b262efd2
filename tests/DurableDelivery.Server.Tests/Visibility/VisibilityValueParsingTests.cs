using DurableDelivery.Server.Visibility;
using FsCheck;
using FsCheck.Fluent;

namespace DurableDelivery.Server.Tests.Visibility;

/// <summary>The RFC 3339 and duration literals the filter accepts, read to nanoseconds.</summary>
public sealed class VisibilityValueParsingTests
{
    [Theory]
    [InlineData("1970-01-01T00:00:00Z", 0L)]
    [InlineData("1970-01-01T00:00:00.000000001Z", 1L)]
    [InlineData("1970-01-01T00:00:00.5Z", 500_000_000L)]
    [InlineData("1970-01-01T01:00:00+01:00", 0L)]
    [InlineData("1969-12-31T23:00:00-01:00", 0L)]
    [InlineData("1969-12-31T23:59:59.999999999Z", -1L)]
    [InlineData("2026-12-07T10:00:00Z", 1796637600000000000L)]
    [InlineData("2026-12-07t10:00:00.123456789z", 1796637600123456789L)]
    [InlineData("2024-02-29T00:00:00Z", 1709164800000000000L)]
    public void Rfc3339_ReadsToUnixNanoseconds(string text, long nanos)
    {
        Rfc3339.TryParseUnixNanos(text, out var parsed).ShouldBeTrue(text);
        parsed.ShouldBe(nanos);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-12-07")]
    [InlineData("2026-12-07 10:00:00Z")]
    [InlineData("2026-12-07T10:00:00")]
    [InlineData("2026-12-07T10:00:00+0100")]
    [InlineData("2026-12-07T10:00:00.Z")]
    [InlineData("2026-12-07T10:00:00.1234567891Z")]
    [InlineData("2026-13-07T10:00:00Z")]
    [InlineData("2025-02-29T10:00:00Z")]
    [InlineData("2026-12-07T24:00:00Z")]
    [InlineData("2026-12-07T10:60:00Z")]
    [InlineData("2026-12-07T10:00:60Z")]
    [InlineData("2026-12-07T10:00:00+24:00")]
    [InlineData("2026-12-07T10:00:00Z\n")]
    [InlineData("2300-01-01T00:00:00Z")]
    [InlineData("1600-01-01T00:00:00Z")]
    [InlineData("\u0662026-12-07T10:00:00Z")]
    public void Rfc3339_RejectsOtherFormsAndOutOfRangeTimes(string text) =>
        Rfc3339.TryParseUnixNanos(text, out _).ShouldBeFalse(text);

    [Fact]
    public void Rfc3339_Property_FormattedNanosecondsReadBackUnchanged() =>
        Prop.ForAll(
            Gen.Choose(-3_000_000, 3_000_000).Two().Select(t => ((long)t.Item1 * 2_000_000_000_000L) + t.Item2)
                .ToArbitrary(),
            nanos => Rfc3339.TryParseUnixNanos(Rfc3339.FormatUnixNanos(nanos), out var back) && back == nanos)
            .QuickCheckThrowOnFailure();

    [Fact]
    public void Rfc3339_Property_AgreesWithDateTimeOffsetForWholeTicks() =>
        Prop.ForAll(
            Gen.Choose(-500_000, 500_000).Two().Select(t => new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)
                .AddDays(t.Item1 / 100.0).AddMinutes(t.Item2 % 720).ToOffset(TimeSpan.FromMinutes(t.Item2 % 840)))
                .ToArbitrary(),
            time =>
            {
                var text = time.ToString(
                    "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture);
                return Rfc3339.TryParseUnixNanos(text, out var nanos) &&
                       nanos == (time.UtcTicks - DateTime.UnixEpoch.Ticks) * 100;
            })
            .QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("123", 123L)]
    [InlineData("-5", -5L)]
    [InlineData("1ns", 1L)]
    [InlineData("1us", 1_000L)]
    [InlineData("1\u00b5s", 1_000L)]
    [InlineData("1ms", 1_000_000L)]
    [InlineData("250ms", 250_000_000L)]
    [InlineData("10s", 10_000_000_000L)]
    [InlineData("1m", 60_000_000_000L)]
    [InlineData("1h30m", 5_400_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("-1.5s", -1_500_000_000L)]
    [InlineData("+2m", 120_000_000_000L)]
    [InlineData("1d", 86_400_000_000_000L)]
    [InlineData("1h0m0.000000001s", 3_600_000_000_001L)]
    [InlineData("01:30:00", 5_400_000_000_000L)]
    [InlineData("100:00:01", 360_001_000_000_000L)]
    public void Duration_ReadsGoDurationsClockTimesAndNanoseconds(string text, long nanos)
    {
        GoDuration.TryParseNanos(text, out var parsed).ShouldBeTrue(text);
        parsed.ShouldBe(nanos);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("s")]
    [InlineData("1x")]
    [InlineData("1 h")]
    [InlineData("1h ")]
    [InlineData("1..5s")]
    [InlineData("1.2.3s")]
    [InlineData("5 minutes")]
    [InlineData("3000000h")]
    [InlineData("01:60:00")]
    [InlineData("01:00:60")]
    [InlineData("1:2")]
    public void Duration_RejectsOtherTexts(string text) => GoDuration.TryParseNanos(text, out _).ShouldBeFalse(text);
}
