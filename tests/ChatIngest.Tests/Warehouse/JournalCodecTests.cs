using System.Text;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.IngestRecords;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The journal's payload format as the loader reads it back (<see cref="JournalRows"/>, strings as UTF-8 slices), and
/// the loader's pending buffer (<see cref="PendingFrames"/>), which holds payloads back to back.
/// </summary>
public sealed class JournalCodecTests
{
    [Fact]
    public void EveryFieldOfEveryKindReadsBackAsWritten()
    {
        var order = (OrderEventRecord)Classify(Payloads.Order(7, "İSTANBUL"), "m-order");
        var chat = (ChatMessageRecord)Classify(Payloads.Chat(7, "Customer iOS", "2024-02-01T10:00:56.123456Z", stage: "YOLDA_ÇIKIŞ"), "m-chat",
            publishTime: Published.AddSeconds(3));
        var longDetail = string.Concat(Enumerable.Repeat("ğ—", 6_000)); // 30,000 UTF-8 bytes: a three-byte length prefix
        var deadLetter = new DeadLetterRecord(new Delivery("m-dead", Published, Published.AddSeconds(1)), "not_json", longDetail, [0, 255, 10]);

        var payload = Payload([new JournalEntry(order, false), new JournalEntry(chat, true), new JournalEntry(deadLetter, false)]);

        var rows = new JournalRows(payload);
        Assert.True(rows.MoveNext());
        Assert.Equal(
            (JournalCodec.Order, false, "m-order", order.Key, 7L, "İSTANBUL", Published, Published),
            (rows.Current.Kind, rows.Current.PublicationOnly, Text(rows.Current.MessageId), Text(rows.Current.Key), rows.Current.OrderId,
                Text(rows.Current.CityCode), rows.Current.PublishTime, rows.Current.ReceivedAt));

        Assert.True(rows.MoveNext());
        var c = rows.Current;
        Assert.Equal(
            (JournalCodec.Chat, true, "m-chat", chat.Key, 7L, SenderRole.Customer, "Customer iOS", chat.MessageSentTime, false, "YOLDA_ÇIKIŞ"),
            (c.Kind, c.PublicationOnly, Text(c.MessageId), Text(c.Key), c.OrderId, c.Role, Text(c.SenderAppType), c.MessageSentTime,
                c.ChatStartedByMessage, Text(c.OrderStage)));
        Assert.Equal((11L, 22L, 11L, 22L, chat.Delivery.PublishTime), (c.FromId, c.ToId, c.CourierId, c.CustomerId, c.PublishTime));
        Assert.Equal(DateTimeKind.Utc, c.MessageSentTime.Kind);

        Assert.True(rows.MoveNext());
        var d = rows.Current;
        Assert.Equal((JournalCodec.DeadLetter, "m-dead", "not_json", longDetail, Published.AddSeconds(1)),
            (d.Kind, Text(d.MessageId), Text(d.Reason), Text(d.Detail), d.ReceivedAt));
        Assert.Equal(new byte[] { 0, 255, 10 }, d.Data.ToArray());

        Assert.False(rows.MoveNext());
    }

    [Fact]
    public void PendingFramesHoldPayloadsInOrderCountTheirRowsAndEmptyOnClear()
    {
        var pending = new PendingFrames();
        pending.Add(Payload([Entry("a"), Entry("b")]));
        pending.Add(Payload([Entry("c")]));
        pending.Add(Payload([])); // an empty payload is skipped over
        pending.Add(Payload([Entry("d"), Entry("e")]));

        Assert.Equal(5, pending.Rows);
        Assert.Equal(["a", "b", "c", "d", "e"], MessageIds(pending));

        pending.Clear();
        Assert.Equal(0, pending.Rows);
        Assert.Empty(MessageIds(pending));
    }

    [Fact]
    public void PendingFramesGrowPastTheirBufferWithoutLosingWhatTheyHold()
    {
        var frames = new PendingFrames();
        var ids = Enumerable.Range(0, 3_000).Select(i => $"message-{i}").ToList();
        foreach (var id in ids)
        {
            frames.Add(Payload([Entry(id)])); // ~170 bytes each: several doublings of the 64 KB start
        }

        Assert.Equal(ids, MessageIds(frames));
    }

    private static JournalEntry Entry(string messageId) => new(Classify(Payloads.Order(1, messageId), messageId), false);

    private static List<string> MessageIds(PendingFrames frames)
    {
        var ids = new List<string>();
        var rows = new JournalRows(frames.Payloads);
        while (rows.MoveNext())
        {
            ids.Add(Text(rows.Current.MessageId));
        }

        return ids;
    }

    private static byte[] Payload(List<JournalEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            JournalCodec.Write(writer, entries);
        }

        return buffer.ToArray();
    }

    private static string Text(Span<byte> utf8) => Encoding.UTF8.GetString(utf8);
}
