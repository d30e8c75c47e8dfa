using ChatIngest.Core.Messages;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Appends a batch with DuckDB's Appender, either straight into the keyed tables or into the writer's TEMP stage tables
/// (same columns), opening only the appenders the batch needs.
/// </summary>
internal static class DuckDbRowAppender
{
    public static void Append(DuckDBConnection connection, IReadOnlyList<IngestRecord> records, BatchKinds kinds, string tablePrefix)
    {
        using var orderAppender = kinds.Orders > 0 ? connection.CreateAppender(tablePrefix + "orders") : null;
        using var chatAppender = kinds.Chats > 0 ? connection.CreateAppender(tablePrefix + "conversations") : null;
        using var deadLetterAppender = kinds.DeadLetters > 0 ? connection.CreateAppender(tablePrefix + "dead_letters") : null;
        foreach (var record in records)
        {
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
