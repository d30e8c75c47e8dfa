namespace ChatIngest.Cli.Generate;

/// <summary>
/// Distinct 8-digit order ids: one fixed, random-looking order of all 90,000,000 (a 4-round Feistel permutation of
/// 28-bit numbers, cycle-walked into [0, 90,000,000), plus 10,000,000), of which each seed takes a run from a start of
/// its own. Random draws would collide (a million draws from 90 million repeat thousands of times) and merge
/// conversations; a permutation never repeats and needs no memory. A permutation keyed by the seed would make two
/// seeds' ids meet as often as random draws do; runs of one order meet only when one reaches the other's start.
/// The starts step by the golden ratio of the whole (a Weyl sequence), which keeps the seeds people use far apart:
/// seeds 0 to 100 start at least 452,251 apart, seeds 0 to 10 at least 5,015,528.
/// </summary>
internal sealed class OrderIdPermutation(ulong seed)
{
    public const long Capacity = 90_000_000;

    /// <summary>The round of 90,000,000 / φ, coprime to it, so every start differs for seeds below 90,000,000.</summary>
    private const ulong GoldenStep = 55_623_059;
    private const ulong Key = 0x4F52444552494453; // "ORDERIDS": one order for every seed
    private const int HalfBits = 14;
    private const uint HalfMask = (1u << HalfBits) - 1;

    /// <summary>Where this seed's run starts in the one order.</summary>
    internal long Start { get; } = (long)(seed % Capacity * GoldenStep % Capacity);

    public long At(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Capacity);
        var x = (uint)((Start + index) % Capacity);
        do
        {
            x = Encrypt(x);
        }
        while (x >= Capacity);

        return 10_000_000 + x;
    }

    private static uint Encrypt(uint x)
    {
        uint left = x >> HalfBits, right = x & HalfMask;
        for (ulong round = 0; round < 4; round++)
        {
            var f = (uint)SplitMix64.Mix(Key ^ (round << 32) ^ right) & HalfMask;
            (left, right) = (right, left ^ f);
        }

        return (left << HalfBits) | right;
    }
}
