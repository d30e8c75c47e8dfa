namespace ChatIngest.Cli.Generate;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose algorithm is fixed here, so the same seed gives
/// the same bytes on every .NET version (System.Random's algorithm is not promised to stay).
/// </summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong state = seed;

    public ulong Next()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>The SplitMix64 finaliser: a strong 64-bit mixing function.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [min, max]; the modulo bias is below 2^-40 for the small ranges used here.</summary>
    public int Between(int min, int max) => min + (int)(Next() % (ulong)(max - min + 1));

    public long Between(long min, long max) => min + (long)(Next() % (ulong)(max - min + 1));

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>; draws nothing when p is 0, so a fault left off costs no draws.</summary>
    public bool Chance(double p) => p > 0 && NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Between(0, items.Count - 1)];

    /// <summary>An independent stream for one purpose, so enabling one fault does not change the others' draws.</summary>
    public static SplitMix64 Stream(ulong seed, ulong purpose) => new(Mix(seed ^ Mix(purpose)));
}
