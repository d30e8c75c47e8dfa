using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>One row for the loader: a record to store, or only an earlier publication of a stored one.</summary>
internal readonly record struct JournalEntry(IngestRecord Record, bool PublicationOnly);

/// <summary>
/// The binary form of a journal frame's payload: a count, then per entry a tag and the record's fields
/// (strings length-prefixed UTF-8, times as UTC ticks). Only the journal and the loader read it.
/// </summary>
internal static class JournalCodec
{
    private const byte Order = 1, Chat = 2, DeadLetter = 3, PublicationOnlyFlag = 0x80;

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

    public static List<JournalEntry> Read(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false));
        var count = reader.ReadInt32();
        var entries = new List<JournalEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            var delivery = ReadDelivery(reader);
            IngestRecord record = (tag & ~PublicationOnlyFlag) switch
            {
                Order => new OrderEventRecord(delivery, reader.ReadString(), reader.ReadInt64(), reader.ReadString()),
                Chat => new ChatMessageRecord(
                    delivery,
                    Key: reader.ReadString(),
                    OrderId: reader.ReadInt64(),
                    Role: (SenderRole)reader.ReadByte(),
                    SenderAppType: reader.ReadString(),
                    MessageSentTime: Utc(reader.ReadInt64()),
                    ChatStartedByMessage: reader.ReadBoolean(),
                    OrderStage: reader.ReadString(),
                    FromId: reader.ReadInt64(),
                    ToId: reader.ReadInt64(),
                    CourierId: reader.ReadInt64(),
                    CustomerId: reader.ReadInt64()),
                DeadLetter => new DeadLetterRecord(delivery, reader.ReadString(), reader.ReadString(), reader.ReadBytes(reader.ReadInt32())),
                _ => throw new InvalidDataException($"Unknown journal entry tag {tag}."),
            };
            entries.Add(new JournalEntry(record, (tag & PublicationOnlyFlag) != 0));
        }

        return entries;
    }

    private static void WriteDelivery(BinaryWriter writer, Delivery d)
    {
        writer.Write(d.MessageId);
        writer.Write(d.PublishTime.Ticks);
        writer.Write(d.ReceivedAt.Ticks);
    }

    private static Delivery ReadDelivery(BinaryReader reader) =>
        new(reader.ReadString(), Utc(reader.ReadInt64()), Utc(reader.ReadInt64()));

    private static DateTime Utc(long ticks) => new(ticks, DateTimeKind.Utc);
}
