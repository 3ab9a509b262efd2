using System.Globalization;

namespace DurableDelivery.Server.Visibility;

/// <summary>
/// Parses the duration strings Temporal accepts for <c>ExecutionDuration</c>: an integer of nanoseconds
/// (<c>'1000'</c>), a Go duration (<c>'1h30m'</c>, <c>'250ms'</c>, <c>'1.5h'</c>, <c>'-2s'</c>; units ns, us / µs,
/// ms, s, m, h, and Temporal's d for 24 hours) or <c>hh:mm:ss</c> (<c>'01:30:00'</c>).
/// </summary>
internal static class GoDuration
{
    private const long NanosPerSecond = 1_000_000_000L;

    /// <summary>Parses <paramref name="text"/> into nanoseconds; false if it is no duration or overflows.</summary>
    public static bool TryParseNanos(string text, out long nanos)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out nanos))
        {
            return true;
        }

        return TryParseGo(text, out nanos) || TryParseClock(text, out nanos);
    }

    private static bool TryParseGo(string s, out long nanos)
    {
        nanos = 0;
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] is '-' or '+')
        {
            negative = s[i] == '-';
            i++;
        }

        if (s[i..] == "0")
        {
            return true;
        }

        if (i == s.Length)
        {
            return false;
        }

        decimal total = 0;
        while (i < s.Length)
        {
            var numberStart = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            var number = s[numberStart..i];
            if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1 ||
                !decimal.TryParse(
                    number.StartsWith('.') ? "0" + number : number,
                    NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture,
                    out var value))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            var unit = UnitNanos(s[unitStart..i]);
            if (unit == 0)
            {
                return false;
            }

            try
            {
                total += value * unit;
            }
            catch (OverflowException)
            {
                return false;
            }

            if (total > long.MaxValue)
            {
                return false;
            }
        }

        nanos = (long)decimal.Truncate(negative ? -total : total);
        return true;
    }

    private static long UnitNanos(string unit) => unit switch
    {
        "ns" => 1,
        "us" or "\u00b5s" or "\u03bcs" => 1_000,
        "ms" => 1_000_000,
        "s" => NanosPerSecond,
        "m" => 60 * NanosPerSecond,
        "h" => 3_600 * NanosPerSecond,
        "d" => 86_400 * NanosPerSecond,
        _ => 0,
    };

    private static bool TryParseClock(string s, out long nanos)
    {
        nanos = 0;
        var parts = s.Split(':');
        if (parts.Length != 3 ||
            !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hours) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) ||
            !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            minutes > 59 || seconds > 59 || hours > long.MaxValue / NanosPerSecond / 3_600 - 1)
        {
            return false;
        }

        nanos = (((hours * 60) + minutes) * 60 + seconds) * NanosPerSecond;
        return true;
    }
}
