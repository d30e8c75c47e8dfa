using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>One row of a journal frame, as the writer encodes it: a record to store, or only an earlier publication of a stored one.</summary>
internal readonly record struct JournalEntry(IngestRecord Record, bool PublicationOnly);

/// <summary>
/// The binary form of a journal frame's payload: a count, then per entry a tag and the record's fields
/// (strings length-prefixed UTF-8 as <see cref="BinaryWriter"/> writes them, times as UTC ticks). Written by the
/// warehouse, read back by the loader with <see cref="JournalRows"/>.
/// </summary>
internal static class JournalCodec
{
    internal const byte Order = 1, Chat = 2, DeadLetter = 3, PublicationOnlyFlag = 0x80;

    public static void Write(BinaryWriter writer, IReadOnlyList<JournalEntry> entries)
    {
        writer.Write(entries.Count);
        foreach (var (record, publicationOnly) in entries)
        {
            var flag = publicationOnly ? PublicationOnlyFlag : (byte)0;
            var d = record.Delivery;
            switch (record)
            {
                case OrderEventRecord o:
                    writer.Write((byte)(Order | flag));
                    WriteDelivery(writer, d);
                    writer.Write(o.Key);
                    writer.Write(o.OrderId);
                    writer.Write(o.CityCode);
                    break;
                case ChatMessageRecord c:
                    writer.Write((byte)(Chat | flag));
                    WriteDelivery(writer, d);
                    writer.Write(c.Key);
                    writer.Write(c.OrderId);
                    writer.Write((byte)c.Role);
                    writer.Write(c.SenderAppType);
                    writer.Write(c.MessageSentTime.Ticks);
                    writer.Write(c.ChatStartedByMessage);
                    writer.Write(c.OrderStage);
                    writer.Write(c.FromId);
                    writer.Write(c.ToId);
                    writer.Write(c.CourierId);
                    writer.Write(c.CustomerId);
                    break;
                case DeadLetterRecord x:
                    writer.Write(DeadLetter);
                    WriteDelivery(writer, d);
                    writer.Write(x.Reason);
                    writer.Write(x.Detail);
                    writer.Write(x.Data.Length);
                    writer.Write(x.Data);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown record type {record.GetType().Name}.");
            }
        }
    }

    private static void WriteDelivery(BinaryWriter writer, Delivery d)
    {
        writer.Write(d.MessageId);
        writer.Write(d.PublishTime.Ticks);
        writer.Write(d.ReceivedAt.Ticks);
    }

}

/// <summary>
/// Reads payloads written by <see cref="JournalCodec.Write"/>, back to back, one entry at a time. Strings stay UTF-8
/// slices of the payload: the loader hands them to DuckDB as they are, so loading creates no object per row.
/// </summary>
internal ref struct JournalRows(Span<byte> payloads)
{
    private readonly Span<byte> bytes = payloads;
    private int position;
    private int leftInPayload;
    private JournalRow current;

    [UnscopedRef]
    public readonly ref readonly JournalRow Current => ref current;

    public bool MoveNext()
    {
        while (leftInPayload == 0)
        {
            if (position >= bytes.Length)
            {
                return false;
            }

            leftInPayload = Int32();
        }

        leftInPayload--;
        var tag = Byte();
        current = default;
        current.PublicationOnly = (tag & JournalCodec.PublicationOnlyFlag) != 0;
        current.Kind = (byte)(tag & ~JournalCodec.PublicationOnlyFlag);
        current.MessageId = Utf8();
        current.PublishTime = Utc();
        current.ReceivedAt = Utc();
        switch (current.Kind)
        {
            case JournalCodec.Order:
                current.Key = Utf8();
                current.OrderId = Int64();
                current.CityCode = Utf8();
                break;
            case JournalCodec.Chat:
                current.Key = Utf8();
                current.OrderId = Int64();
                current.Role = (SenderRole)Byte();
                current.SenderAppType = Utf8();
                current.MessageSentTime = Utc();
                current.ChatStartedByMessage = Byte() != 0;
                current.OrderStage = Utf8();
                current.FromId = Int64();
                current.ToId = Int64();
                current.CourierId = Int64();
                current.CustomerId = Int64();
                break;
            case JournalCodec.DeadLetter:
                current.Reason = Utf8();
                current.Detail = Utf8();
                current.Data = Slice(Int32());
                break;
            default:
                throw new InvalidDataException($"Unknown journal entry tag {tag}.");
        }

        return true;
    }

    private byte Byte() => bytes[position++];

    private int Int32()
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(bytes[position..]);
        position += 4;
        return value;
    }

    private long Int64()
    {
        var value = BinaryPrimitives.ReadInt64LittleEndian(bytes[position..]);
        position += 8;
        return value;
    }

    private DateTime Utc() => new(Int64(), DateTimeKind.Utc);

    /// <summary>A string as <see cref="BinaryWriter.Write(string)"/> wrote it: a 7-bit encoded byte count, then UTF-8.</summary>
    private Span<byte> Utf8()
    {
        int length = 0, shift = 0;
        byte b;
        do
        {
            if (shift > 28)
            {
                throw new InvalidDataException("A journal string length is malformed.");
            }

            b = Byte();
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        return Slice(length);
    }

    private Span<byte> Slice(int length)
    {
        var slice = bytes.Slice(position, length);
        position += length;
        return slice;
    }
}

/// <summary>One journal entry as <see cref="JournalRows"/> reads it; only the fields of its <see cref="Kind"/> are set.</summary>
internal ref struct JournalRow
{
    public byte Kind;
    public bool PublicationOnly;
    public Span<byte> MessageId;
    public DateTime PublishTime;
    public DateTime ReceivedAt;
    public Span<byte> Key;
    public long OrderId;
    public Span<byte> CityCode;
    public SenderRole Role;
    public Span<byte> SenderAppType;
    public DateTime MessageSentTime;
    public bool ChatStartedByMessage;
    public Span<byte> OrderStage;
    public long FromId;
    public long ToId;
    public long CourierId;
    public long CustomerId;
    public Span<byte> Reason;
    public Span<byte> Detail;
    public Span<byte> Data;
}
