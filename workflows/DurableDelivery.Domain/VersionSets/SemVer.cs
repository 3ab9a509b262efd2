using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.VersionSets;

/// <summary>
/// A semantic version (<c>MAJOR.MINOR.PATCH[-prerelease][+build]</c>, semver.org 2.0.0) with an optional <c>v</c> prefix.
/// </summary>
/// <remarks>
/// Ordering follows semver.org: numeric parts first, then a version with a prerelease sorts before the same version
/// without one (<c>1.0.0-rc.1 &lt; 1.0.0</c>), prerelease identifiers compare numerically when both are numbers,
/// numbers sort before words, and a shorter prerelease sorts first when all earlier identifiers are equal. Build
/// metadata is kept but ignored by ordering and equality. Serialized to JSON as its normalized string (no prefix).
/// </remarks>
[JsonConverter(typeof(SemVerJsonConverter))]
public sealed class SemVer : IComparable<SemVer>, IEquatable<SemVer>
{
    private SemVer(int major, int minor, int patch, IReadOnlyList<string> prerelease, string? build)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = prerelease;
        Build = build;
    }

    /// <summary>Gets the major version.</summary>
    public int Major { get; }

    /// <summary>Gets the minor version.</summary>
    public int Minor { get; }

    /// <summary>Gets the patch version.</summary>
    public int Patch { get; }

    /// <summary>Gets the dot-separated prerelease identifiers; empty for a release.</summary>
    public IReadOnlyList<string> Prerelease { get; }

    /// <summary>Gets the build metadata (after <c>+</c>), or <see langword="null"/>.</summary>
    public string? Build { get; }

    /// <summary>Gets a value indicating whether this is a prerelease version.</summary>
    public bool IsPrerelease => Prerelease.Count > 0;

    /// <summary>Compares two versions by semver precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> precedes <paramref name="right"/>.</returns>
    public static bool operator <(SemVer left, SemVer right) => left.CompareTo(right) < 0;

    /// <summary>Compares two versions by semver precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> follows <paramref name="right"/>.</returns>
    public static bool operator >(SemVer left, SemVer right) => left.CompareTo(right) > 0;

    /// <summary>Compares two versions by semver precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> precedes or equals <paramref name="right"/>.</returns>
    public static bool operator <=(SemVer left, SemVer right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two versions by semver precedence.</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns><see langword="true"/> when <paramref name="left"/> follows or equals <paramref name="right"/>.</returns>
    public static bool operator >=(SemVer left, SemVer right) => left.CompareTo(right) >= 0;

    /// <summary>Compares two versions for equal precedence (build metadata ignored).</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns><see langword="true"/> when both are null or have equal precedence.</returns>
    public static bool operator ==(SemVer? left, SemVer? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Compares two versions for different precedence (build metadata ignored).</summary>
    /// <param name="left">The left version.</param>
    /// <param name="right">The right version.</param>
    /// <returns><see langword="true"/> unless both are null or have equal precedence.</returns>
    public static bool operator !=(SemVer? left, SemVer? right) => !(left == right);

    /// <summary>Parses a full version (<c>1.2.3</c>, <c>v1.2.3-rc.1+build.5</c>).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The version.</returns>
    /// <exception cref="FormatException">The text is not a semantic version.</exception>
    public static SemVer Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a semantic version; use MAJOR.MINOR.PATCH, e.g. 2.3.0.");

    /// <summary>Parses a full version: all three numbers are required, an optional <c>v</c> or <c>V</c> prefix is allowed.</summary>
    /// <param name="text">The text.</param>
    /// <param name="version">The version when the text is valid.</param>
    /// <returns><see langword="true"/> when the text is a semantic version.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SemVer? version) =>
        TryParse(text, allowPartial: false, out version);

    /// <summary>
    /// Parses a version that may omit minor and patch (<c>7</c>, <c>2.3</c>), as written in compatibility constraints;
    /// the missing parts are zero.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="version">The version when the text is valid.</param>
    /// <returns><see langword="true"/> when the text is a (possibly partial) semantic version.</returns>
    public static bool TryParsePartial(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SemVer? version) =>
        TryParse(text, allowPartial: true, out version);

    /// <inheritdoc/>
    public int CompareTo(SemVer? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Major.CompareTo(other.Major);
        if (c == 0)
        {
            c = Minor.CompareTo(other.Minor);
        }

        if (c == 0)
        {
            c = Patch.CompareTo(other.Patch);
        }

        return c != 0 ? c : ComparePrerelease(Prerelease, other.Prerelease);
    }

    /// <inheritdoc/>
    public bool Equals(SemVer? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SemVer other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = HashCode.Combine(Major, Minor, Patch);
        foreach (var id in Prerelease)
        {
            hash = HashCode.Combine(hash, StringComparer.Ordinal.GetHashCode(id));
        }

        return hash;
    }

    /// <summary>Returns the normalized text: no prefix, prerelease after <c>-</c>, build after <c>+</c>.</summary>
    /// <returns>The normalized version text, e.g. <c>1.2.3-rc.1+build.5</c>.</returns>
    public override string ToString()
    {
        var s = string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}");
        if (Prerelease.Count > 0)
        {
            s += "-" + string.Join('.', Prerelease);
        }

        return Build is null ? s : s + "+" + Build;
    }

    private static bool TryParse(string? text, bool allowPartial, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SemVer? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s[0] is 'v' or 'V')
        {
            s = s[1..];
        }

        string? build = null;
        var plus = s.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            build = s[(plus + 1)..];
            s = s[..plus];
            if (!ValidIdentifiers(build, numericRule: false))
            {
                return false;
            }
        }

        IReadOnlyList<string> prerelease = [];
        var dash = s.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            var pre = s[(dash + 1)..];
            s = s[..dash];
            if (!ValidIdentifiers(pre, numericRule: true))
            {
                return false;
            }

            prerelease = pre.Split('.');
        }

        var parts = s.Split('.');
        if (parts.Length > 3 || (!allowPartial && parts.Length != 3))
        {
            return false;
        }

        var numbers = new int[3];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryNumber(parts[i], out numbers[i]))
            {
                return false;
            }
        }

        version = new SemVer(numbers[0], numbers[1], numbers[2], prerelease, build);
        return true;
    }

    private static bool TryNumber(string s, out int value)
    {
        value = 0;
        return s.Length > 0 && s.All(char.IsAsciiDigit) && (s.Length == 1 || s[0] != '0')
            && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool ValidIdentifiers(string text, bool numericRule)
    {
        foreach (var id in text.Split('.'))
        {
            if (id.Length == 0 || !id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-'))
            {
                return false;
            }

            // semver.org: numeric prerelease identifiers must not have leading zeros (build metadata may).
            if (numericRule && id.All(char.IsAsciiDigit) && id.Length > 1 && id[0] == '0')
            {
                return false;
            }
        }

        return true;
    }

    private static int ComparePrerelease(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            // A release outranks any prerelease of the same version.
            return b.Count.CompareTo(a.Count);
        }

        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var aNumeric = a[i].All(char.IsAsciiDigit);
            var bNumeric = b[i].All(char.IsAsciiDigit);
            int c;
            if (aNumeric && bNumeric)
            {
                // Compare by length first so identifiers too long for a long still order correctly.
                c = a[i].Length != b[i].Length ? a[i].Length.CompareTo(b[i].Length) : string.CompareOrdinal(a[i], b[i]);
            }
            else if (aNumeric != bNumeric)
            {
                c = aNumeric ? -1 : 1;
            }
            else
            {
                c = string.CompareOrdinal(a[i], b[i]);
            }

            if (c != 0)
            {
                return Math.Sign(c);
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}

/// <summary>Writes a <see cref="SemVer"/> as its normalized string and reads it back.</summary>
/// <remarks>Public so that compile-time JSON metadata (source generation) in other assemblies can name it.</remarks>
public sealed class SemVerJsonConverter : JsonConverter<SemVer>
{
    /// <inheritdoc/>
    public override SemVer Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return SemVer.TryParse(text, out var v) ? v : throw new JsonException($"'{text}' is not a semantic version.");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, SemVer value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
