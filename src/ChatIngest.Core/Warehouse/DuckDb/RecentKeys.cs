using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// The content keys (and first publications) of the most recent rows, in fixed memory: the write path's duplicate
/// check, so a write needs no PRIMARY KEY index (DuckDB keeps those resident, growing with every row). Two generations
/// of at most <c>capacity / 2</c> keys each; when the current one is full the older one is emptied and reused, so the
/// last <c>capacity / 2</c> to <c>capacity</c> keys are always known. Redeliveries and replays of recent data are caught
/// here; an older copy is appended once more and the view, which deduplicates by content key itself (VIEW.md
/// "Duplicates"), still counts it once. Dead letters are remembered by message id the same way (the table's key makes
/// their storage exact).
/// Not thread-safe: the warehouse calls it under its write lock.
/// </summary>
internal sealed class RecentKeys
{
    private KeyTable current;
    private KeyTable previous;

    public RecentKeys(int capacity)
    {
        var generationCapacity = Math.Max(1, capacity / 2);
        current = new KeyTable(generationCapacity);
        previous = new KeyTable(generationCapacity);
    }

    /// <summary>
    /// What a write does with one record, given the recent rows; <paramref name="key"/> and the decision are what
    /// <see cref="Remember(UInt128, IngestRecord, Decision)"/> takes once the record is stored (computed once per record).
    /// </summary>
    public Decision Decide(IngestRecord record, out UInt128 key)
    {
        key = KeyOf(record);
        if (!TryGet(key, out var seen))
        {
            return Decision.Store;
        }

        if (record is DeadLetterRecord)
        {
            return Decision.Duplicate; // same message id: a redelivery
        }

        var ticks = record.Delivery.PublishTime.Ticks;
        return ticks > seen.PublishTicks || (ticks == seen.PublishTicks && IdHash(record) == seen.MessageIdHash)
            ? Decision.Duplicate
            : Decision.DuplicateMaybePublishedEarlier; // the SQL compares message ids exactly
    }

    /// <summary>
    /// Remembers a record that was stored, or whose earlier publication was recorded, by the key and decision
    /// <see cref="Decide"/> gave it. A key it found unknown is added without being looked up again: each lookup is a
    /// likely cache miss in tables this size.
    /// </summary>
    public void Remember(UInt128 key, IngestRecord record, Decision decision)
    {
        var ticks = record.Delivery.PublishTime.Ticks;
        if (decision == Decision.Store)
        {
            Add(key, new Seen(ticks, IdHash(record)));
        }
        else
        {
            Remember(key, ticks, IdHash(record));
        }
    }

    /// <summary>Remembers a stored row by its column values (start-up).</summary>
    public void Remember(string contentKey, DateTime publishTime, string messageId, bool deadLetter) =>
        Remember(deadLetter ? DeadLetterKey(messageId) : ParseContentKey(contentKey), publishTime.Ticks, messageId.GetHashCode(StringComparison.Ordinal));

    private void Remember(UInt128 key, long publishTicks, int idHash)
    {
        if (TryGet(key, out var seen) && seen.PublishTicks <= publishTicks)
        {
            return;
        }

        var newer = new Seen(publishTicks, idHash);
        if (!current.TryUpdate(key, newer))
        {
            Add(key, newer);
        }
    }

    /// <summary>
    /// Adds a key the current generation does not hold. A stored record's key is added without a lookup: a write's
    /// records have distinct content keys per kind (<see cref="IWarehouse.WriteAsync"/>), so none is stored twice
    /// before it is remembered.
    /// </summary>
    private void Add(UInt128 key, Seen seen)
    {
        if (current.IsFull)
        {
            (previous, current) = (current, previous);
            current.Clear(); // keeps its memory: memory stays what it was at start
        }

        current.Add(key, seen);
    }

    private bool TryGet(UInt128 key, out Seen seen) => current.TryGetValue(key, out seen) || previous.TryGetValue(key, out seen);

    private static UInt128 KeyOf(IngestRecord record) =>
        record is DeadLetterRecord ? DeadLetterKey(record.Delivery.MessageId) : ParseContentKey(record.ContentKey);

    private static int IdHash(IngestRecord record) => record.Delivery.MessageId.GetHashCode(StringComparison.Ordinal);

    /// <summary>The content key is 32 hex digits (128 bits of SHA-256), so it is its own hash.</summary>
    private static UInt128 ParseContentKey(string hex) => UInt128.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>Dead letters are remembered by 128 bits of SHA-256 over their message id (they are rare).</summary>
    private static UInt128 DeadLetterKey(string messageId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("dead_letters/" + messageId), hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>A stored row's first publication as the recent keys know it.</summary>
    internal readonly record struct Seen(long PublishTicks, int MessageIdHash);

    internal enum Decision
    {
        Store,
        Duplicate,
        DuplicateMaybePublishedEarlier,
    }
}
