namespace ChatIngest.Cli.Generate;

/// <summary>
/// Distinct 8-digit order ids in a seeded, random-looking order: a 4-round Feistel permutation of 28-bit numbers,
/// cycle-walked into [0, 90,000,000), plus 10,000,000. Random draws would collide (a million draws from 90 million
/// repeat thousands of times) and merge conversations; a permutation never repeats and needs no memory.
/// </summary>
internal sealed class OrderIdPermutation(ulong key)
{
    public const long Capacity = 90_000_000;
    private const int HalfBits = 14;
    private const uint HalfMask = (1u << HalfBits) - 1;

    public long At(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity);
        var x = (uint)index;
        do
        {
            x = Encrypt(x);
        }
        while (x >= Capacity);

        return 10_000_000 + x;
    }

    private uint Encrypt(uint x)
    {
        uint left = x >> HalfBits, right = x & HalfMask;
        for (ulong round = 0; round < 4; round++)
        {
            var f = (uint)SplitMix64.Mix(key ^ (round << 32) ^ right) & HalfMask;
            (left, right) = (right, left ^ f);
        }

        return (left << HalfBits) | right;
    }
}
