using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using Seen = ChatIngest.Core.Warehouse.DuckDb.RecentKeys.Seen;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// One generation of <see cref="RecentKeys"/>: a hash table from a 128-bit key to its first publication, allocated
/// once at its full capacity and never grown. It is a <c>Dictionary&lt;UInt128, Seen&gt;</c> without that type's
/// padding: an entry here is 32 bytes (key, publish ticks, message-id hash, chain link) where the dictionary's is 48,
/// which at the default 250,000 keys a generation is 9 MB instead of 14 (docs/performance.md, item 43).
/// Chained like the dictionary, with a bucket array a power of two; the bucket is a multiply-shift hash of the key's
/// low half with a multiplier drawn at random per table, so chosen keys cannot pile into one chain.
/// Not thread-safe.
/// </summary>
internal sealed class KeyTable
{
    private readonly Entry[] entries;
    private readonly int[] buckets; // 1-based index into entries of each chain's head; 0 is an empty bucket
    private readonly ulong multiplier = RandomOddMultiplier();
    private readonly int shift;

    public KeyTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 30); // its buckets, rounded up, must fit an int
        entries = new Entry[capacity];
        var bucketCount = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 2)); // two at least: a shift of 64 would be 0
        buckets = new int[bucketCount];
        shift = 64 - BitOperations.Log2((uint)bucketCount);
    }

    public int Count { get; private set; }

    public bool IsFull => Count == entries.Length;

    public bool TryGetValue(UInt128 key, out Seen seen)
    {
        var i = Find(key);
        seen = i >= 0 ? new Seen(entries[i].PublishTicks, entries[i].MessageIdHash) : default;
        return i >= 0;
    }

    /// <summary>Overwrites the value of a key that is here; false, and nothing changed, when it is not.</summary>
    public bool TryUpdate(UInt128 key, Seen seen)
    {
        var i = Find(key);
        if (i >= 0)
        {
            entries[i].PublishTicks = seen.PublishTicks;
            entries[i].MessageIdHash = seen.MessageIdHash;
        }

        return i >= 0;
    }

    /// <summary>Adds a key the caller knows is not here, without looking it up; the table must not be full.</summary>
    public void Add(UInt128 key, Seen seen)
    {
        if (IsFull)
        {
            throw new InvalidOperationException($"The key table is full ({entries.Length} keys).");
        }

        Debug.Assert(Find(key) < 0, "A key is added to a table that holds it.");

        ref var bucket = ref buckets[BucketOf(key)];
        entries[Count] = new Entry { Key = key, PublishTicks = seen.PublishTicks, MessageIdHash = seen.MessageIdHash, Next = bucket };
        bucket = ++Count;
    }

    /// <summary>Empties the table, keeping its memory.</summary>
    public void Clear()
    {
        Array.Clear(buckets);
        Count = 0; // entries past Count are unreachable, so they need no clearing
    }

    private int Find(UInt128 key)
    {
        for (var i = buckets[BucketOf(key)] - 1; i >= 0; i = entries[i].Next - 1)
        {
            if (entries[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private int BucketOf(UInt128 key) => unchecked((int)(((ulong)key * multiplier) >> shift)); // the low half, wrapped

    private static ulong RandomOddMultiplier()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes) | 1;
    }

    // Seen's fields inline: as a field of its own, Seen (12 bytes) would be padded to 16 and the entry to 48.
    private struct Entry
    {
        public UInt128 Key;
        public long PublishTicks;
        public int MessageIdHash;
        public int Next; // 1-based index of the next entry in the chain; 0 ends it
    }
}
