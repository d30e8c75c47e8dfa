using ChatIngest.Core.Messages;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Appends the selected entries of a load with DuckDB's Appender, orders and chat messages into the tables (or, with
/// <c>tablePrefix: "stage_"</c>, into the loader's TEMP stage tables of the same columns) and dead letters always into
/// <c>stage_dead_letters</c>, for the keyed merge. Opens only the appenders that <paramref name="kinds"/> needs.
/// </summary>
internal static class DuckDbRowAppender
{
    public static void Append(
        DuckDBConnection connection, IReadOnlyList<JournalEntry> entries, Func<JournalEntry, bool> append, BatchKinds kinds, string tablePrefix = "")
    {
        using var orderAppender = kinds.Orders > 0 ? connection.CreateAppender(tablePrefix + "orders") : null;
        using var chatAppender = kinds.Chats > 0 ? connection.CreateAppender(tablePrefix + "conversations") : null;
        using var deadLetterAppender = kinds.DeadLetters > 0 ? connection.CreateAppender("stage_dead_letters") : null;
        foreach (var entry in entries)
        {
            if (!append(entry))
            {
                continue;
            }

            var record = entry.Record;
            var d = record.Delivery;
            switch (record)
            {
                case OrderEventRecord o:
                    orderAppender!.CreateRow()
                        .AppendValue(o.Key).AppendValue(o.OrderId).AppendValue(o.CityCode)
                        .AppendValue(d.MessageId).AppendValue(d.PublishTime).AppendValue(d.ReceivedAt)
                        .EndRow();
                    break;
                case ChatMessageRecord c:
                    chatAppender!.CreateRow()
                        .AppendValue(c.Key).AppendValue(c.OrderId).AppendValue(c.SenderAppType).AppendValue(RoleName(c.Role))
                        .AppendValue(c.MessageSentTime).AppendValue(c.ChatStartedByMessage).AppendValue(c.OrderStage)
                        .AppendValue(c.FromId).AppendValue(c.ToId).AppendValue(c.CourierId).AppendValue(c.CustomerId)
                        .AppendValue(d.MessageId).AppendValue(d.PublishTime).AppendValue(d.ReceivedAt)
                        .EndRow();
                    break;
                case DeadLetterRecord x:
                    deadLetterAppender!.CreateRow()
                        .AppendValue(d.MessageId).AppendValue(x.Reason).AppendValue(x.Detail)
                        .AppendValue(d.PublishTime).AppendValue(d.ReceivedAt).AppendValue(x.Data)
                        .EndRow();
                    break;
                default:
                    throw new InvalidOperationException($"Unknown record type {record.GetType().Name}.");
            }
        }
    }

    private static string RoleName(SenderRole role) => role == SenderRole.Courier ? "Courier" : "Customer";
}
