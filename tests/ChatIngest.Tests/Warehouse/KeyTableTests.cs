using ChatIngest.Core.Warehouse.DuckDb;
using Seen = ChatIngest.Core.Warehouse.DuckDb.RecentKeys.Seen;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// One generation of the duplicate check's recent keys (<see cref="KeyTable"/>): a fixed-size hash table whose
/// chains are certain to be shared at these sizes (4,096 random keys in 4,096 buckets).
/// </summary>
public sealed class KeyTableTests
{
    private const int Size = 4_096;

    [Fact]
    public void EveryKeyAddedIsFoundWithItsValueAndNoOtherKeyIs()
    {
        var random = new Random(7);
        var keys = RandomKeys(random, Size);
        var table = new KeyTable(Size);
        for (var i = 0; i < keys.Length; i++)
        {
            table.Add(keys[i], new Seen(i, -i));
        }

        Assert.True(table.IsFull);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.True(table.TryGetValue(keys[i], out var seen));
            Assert.Equal(new Seen(i, -i), seen);
        }

        Assert.All(RandomKeys(random, Size), other => Assert.False(table.TryGetValue(other, out _)));

        // Keys that differ from a stored one only in the half the bucket is not computed from share its chain.
        Assert.All(keys, key => Assert.False(table.TryGetValue(key ^ ((UInt128)1 << 100), out _)));
    }

    [Fact]
    public void AnUpdateChangesTheKeyItNamesAndRefusesAKeyThatIsNotThere()
    {
        var keys = RandomKeys(new Random(8), Size);
        var table = new KeyTable(Size);
        for (var i = 0; i < Size - 1; i++)
        {
            table.Add(keys[i], new Seen(i, i));
        }

        Assert.True(table.TryUpdate(keys[100], new Seen(-1, 42)));
        Assert.False(table.TryUpdate(keys[Size - 1], new Seen(-2, 43)));

        Assert.True(table.TryGetValue(keys[100], out var updated));
        Assert.Equal(new Seen(-1, 42), updated);
        Assert.False(table.TryGetValue(keys[Size - 1], out _));
        for (var i = 0; i < Size - 1; i++)
        {
            Assert.True(table.TryGetValue(keys[i], out var seen));
            Assert.Equal(i == 100 ? new Seen(-1, 42) : new Seen(i, i), seen);
        }

        Assert.Equal(Size - 1, table.Count);
    }

    [Fact]
    public void AClearedTableForgetsEveryKeyAndHoldsAsManyAgain()
    {
        var random = new Random(9);
        var first = RandomKeys(random, Size);
        var table = new KeyTable(Size);
        foreach (var key in first)
        {
            table.Add(key, new Seen(1, 1));
        }

        table.Clear();

        Assert.Equal(0, table.Count);
        Assert.All(first, key => Assert.False(table.TryGetValue(key, out _)));
        var second = RandomKeys(random, Size);
        foreach (var key in second)
        {
            table.Add(key, new Seen(2, 2));
        }

        Assert.All(second, key => Assert.True(table.TryGetValue(key, out _)));
        Assert.All(first, key => Assert.False(table.TryGetValue(key, out _)));
    }

    [Fact]
    public void AFullTableRefusesAnotherKey()
    {
        var table = new KeyTable(1);
        table.Add(5, new Seen(1, 1));

        Assert.Throws<InvalidOperationException>(() => table.Add(6, new Seen(1, 1)));
        Assert.True(table.TryGetValue(5, out _));
        Assert.False(table.TryGetValue(6, out _));
    }

    [Fact]
    public void AGenerationOfTheDefaultSizeTakesThirtyTwoBytesAKeyAndFourABucket()
    {
        const int generation = 250_000; // Warehouse__DuckDbRecentKeys' default of 500,000, halved
        _ = new KeyTable(1); // whatever a first table initialises once (its random source) is not a table's size
        var before = GC.GetAllocatedBytesForCurrentThread();
        var table = new KeyTable(generation);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 262,144 buckets; a Dictionary<UInt128, Seen> of this capacity allocates 14 MB.
        Assert.InRange(allocated, (generation * 32) + (262_144 * 4), (generation * 32) + (262_144 * 4) + 1_024);
        GC.KeepAlive(table);
    }

    private static UInt128[] RandomKeys(Random random, int count)
    {
        var keys = new UInt128[count];
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            keys[i] = BitConverter.ToUInt128(bytes);
        }

        return keys;
    }
}
