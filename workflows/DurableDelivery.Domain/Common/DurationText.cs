using System.Globalization;
using System.Text;

namespace DurableDelivery.Domain.Common;

/// <summary>Parses and formats durations written like <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c> or <c>1m30s</c>.</summary>
public static class DurationText
{
    /// <summary>Parses a duration: one or more whole numbers each followed by a unit (<c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>).</summary>
    /// <param name="text">The text, e.g. <c>1m30s</c>; <c>0</c> alone means zero.</param>
    /// <param name="value">The duration when the text is valid.</param>
    /// <returns><see langword="true"/> when the text is a valid, non-negative duration.</returns>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s == "0")
        {
            return true;
        }

        var i = 0;
        long totalMs = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || i - start > 9)
            {
                return false;
            }

            var number = long.Parse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            long unitMs = s[unitStart..i] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => -1,
            };
            if (unitMs < 0)
            {
                return false;
            }

            totalMs += number * unitMs;
        }

        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>Formats a duration in the same notation, e.g. <c>1m30s</c>; zero is <c>0s</c>.</summary>
    /// <param name="value">A non-negative duration.</param>
    /// <returns>The shortest text that <see cref="TryParse"/> reads back as the same value (to the millisecond).</returns>
    public static string Format(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        foreach (var (unit, size) in new[] { ("d", 86_400_000L), ("h", 3_600_000L), ("m", 60_000L), ("s", 1000L), ("ms", 1L) })
        {
            if (ms >= size)
            {
                sb.Append((ms / size).ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms %= size;
            }
        }

        return sb.ToString();
    }
}
