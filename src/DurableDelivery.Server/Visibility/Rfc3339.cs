using System.Globalization;
using System.Text.RegularExpressions;

namespace DurableDelivery.Server.Visibility;

/// <summary>
/// Parses RFC 3339 timestamps as Go's <c>time.RFC3339Nano</c> layout reads them
/// (<c>2026-12-07T10:00:00Z</c>, <c>2026-12-07T10:00:00.123456789+01:00</c>) into Unix nanoseconds, keeping all
/// nine fractional digits (a <see cref="DateTimeOffset"/> would keep only seven).
/// </summary>
internal static partial class Rfc3339
{
    /// <summary>Parses <paramref name="text"/>; false if it is not an RFC 3339 timestamp in the Unix-nanosecond
    /// range (years 1678 to 2261).</summary>
    public static bool TryParseUnixNanos(string text, out long unixNanos)
    {
        unixNanos = 0;
        var m = Pattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        int Group(string name) => int.Parse(m.Groups[name].ValueSpan, CultureInfo.InvariantCulture);
        var (year, month, day) = (Group("y"), Group("mo"), Group("d"));
        var (hour, minute, second) = (Group("h"), Group("mi"), Group("s"));
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long offsetSeconds = 0;
        if (m.Groups["oh"].Success)
        {
            var (offsetHours, offsetMinutes) = (Group("oh"), Group("om"));
            if (offsetHours > 23 || offsetMinutes > 59)
            {
                return false;
            }

            offsetSeconds = ((offsetHours * 60L) + offsetMinutes) * 60 * (m.Groups["os"].Value == "-" ? -1 : 1);
        }

        long fractionNanos = 0;
        if (m.Groups["f"].Success)
        {
            var digits = m.Groups["f"].Value.PadRight(9, '0');
            fractionNanos = long.Parse(digits, CultureInfo.InvariantCulture);
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        var unixSeconds = ((local.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond) - offsetSeconds;
        const long nanosPerSecond = 1_000_000_000;
        if (unixSeconds > (long.MaxValue - fractionNanos) / nanosPerSecond ||
            unixSeconds < long.MinValue / nanosPerSecond)
        {
            return false;
        }

        unixNanos = (unixSeconds * nanosPerSecond) + fractionNanos;
        return true;
    }

    /// <summary>Formats Unix nanoseconds as an RFC 3339 UTC timestamp with nine fractional digits.</summary>
    public static string FormatUnixNanos(long unixNanos)
    {
        var seconds = Math.DivRem(unixNanos, 1_000_000_000L, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }

        var time = DateTime.UnixEpoch.AddSeconds(seconds);
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) +
               "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    [GeneratedRegex(
        "^(?<y>[0-9]{4})-(?<mo>[0-9]{2})-(?<d>[0-9]{2})[Tt]" +
        "(?<h>[0-9]{2}):(?<mi>[0-9]{2}):(?<s>[0-9]{2})(?:\\.(?<f>[0-9]{1,9}))?" +
        "(?:[Zz]|(?<os>[+-])(?<oh>[0-9]{2}):(?<om>[0-9]{2}))\\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
