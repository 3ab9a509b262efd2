namespace DurableDelivery.Engine.Workflows;

/// <summary>
/// A random number generator seeded from the run's history, so that replays see the same numbers.
/// Get it from <see cref="Workflow.Random"/>; never use <c>System.Random</c> in workflow code.
/// </summary>
/// <remarks>xoshiro256** seeded by splitmix64: fast, well distributed and identical on every platform and .NET version.</remarks>
public sealed class DeterministicRandom
{
    private ulong s0;
    private ulong s1;
    private ulong s2;
    private ulong s3;

    /// <summary>Initializes a new instance of the <see cref="DeterministicRandom"/> class.</summary>
    /// <param name="seed">The seed.</param>
    public DeterministicRandom(long seed)
    {
        var x = (ulong)seed;
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    /// <summary>Returns a non-negative integer below <see cref="int.MaxValue"/>.</summary>
    /// <returns>The number.</returns>
    public int Next() => (int)(NextUInt64() >> 33);

    /// <summary>Returns a non-negative integer below <paramref name="maxValue"/>.</summary>
    /// <param name="maxValue">The exclusive upper bound.</param>
    /// <returns>The number.</returns>
    public int Next(int maxValue) => Next(0, maxValue);

    /// <summary>Returns an integer in [<paramref name="minValue"/>, <paramref name="maxValue"/>).</summary>
    /// <param name="minValue">The inclusive lower bound.</param>
    /// <param name="maxValue">The exclusive upper bound.</param>
    /// <returns>The number.</returns>
    public int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        var range = (ulong)((long)maxValue - minValue);
        return range == 0 ? minValue : (int)(minValue + (long)(NextUInt64() % range));
    }

    /// <summary>Returns a number in [0, 1).</summary>
    /// <returns>The number.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fills a buffer with random bytes.</summary>
    /// <param name="buffer">The buffer.</param>
    public void NextBytes(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(NextUInt64() >> 56);
        }
    }

    private ulong NextUInt64()
    {
        var result = ulong.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
