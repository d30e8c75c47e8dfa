using ChatIngest.Core.Messages;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// One batch, one transaction: append to the TEMP stage tables, merge into the keyed tables (ON CONFLICT DO NOTHING,
/// RETURNING the keys that were new), let an earlier-published duplicate become the stored publication, commit.
/// </summary>
internal static class DuckDbBatchWriter
{
    public static RowOutcome[] Write(DuckDBConnection connection, IReadOnlyList<IngestRecord> records)
    {
        DuckDbWarehouse.Execute(connection, SqlScripts.Load("duckdb/clear_stage.sql"));
        using var transaction = connection.BeginTransaction();

        int orders = 0, chats = 0, deadLetters = 0;
        using (var orderAppender = connection.CreateAppender("stage_orders"))
        using (var chatAppender = connection.CreateAppender("stage_conversations"))
        using (var deadLetterAppender = connection.CreateAppender("stage_dead_letters"))
        {
            foreach (var record in records)
            {
                var d = record.Delivery;
                switch (record)
                {
                    case OrderEventRecord o:
                        orderAppender.CreateRow()
                            .AppendValue(o.Key).AppendValue(o.OrderId).AppendValue(o.CityCode)
                            .AppendValue(d.MessageId).AppendValue(d.PublishTime).AppendValue(d.ReceivedAt)
                            .EndRow();
                        orders++;
                        break;
                    case ChatMessageRecord c:
                        chatAppender.CreateRow()
                            .AppendValue(c.Key).AppendValue(c.OrderId).AppendValue(c.SenderAppType).AppendValue(c.Role.ToString())
                            .AppendValue(c.MessageSentTime).AppendValue(c.ChatStartedByMessage).AppendValue(c.OrderStage)
                            .AppendValue(c.FromId).AppendValue(c.ToId).AppendValue(c.CourierId).AppendValue(c.CustomerId)
                            .AppendValue(d.MessageId).AppendValue(d.PublishTime).AppendValue(d.ReceivedAt)
                            .EndRow();
                        chats++;
                        break;
                    case DeadLetterRecord x:
                        deadLetterAppender.CreateRow()
                            .AppendValue(d.MessageId).AppendValue(x.Reason).AppendValue(x.Detail)
                            .AppendValue(d.PublishTime).AppendValue(d.ReceivedAt).AppendValue(x.Data)
                            .EndRow();
                        deadLetters++;
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown record type {record.GetType().Name}.");
                }
            }
        }

        var newKeys = new HashSet<string>(StringComparer.Ordinal);
        if (orders > 0 && Merge(connection, "orders", newKeys) < orders)
        {
            DuckDbWarehouse.Execute(connection, SqlScripts.Load("duckdb/first_publication_orders.sql"));
        }

        if (chats > 0 && Merge(connection, "conversations", newKeys) < chats)
        {
            DuckDbWarehouse.Execute(connection, SqlScripts.Load("duckdb/first_publication_conversations.sql"));
        }

        var newDeadLetters = new HashSet<string>(StringComparer.Ordinal);
        if (deadLetters > 0)
        {
            Merge(connection, "dead_letters", newDeadLetters);
        }

        transaction.Commit();

        var outcomes = new RowOutcome[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var isNew = records[i] is DeadLetterRecord
                ? newDeadLetters.Contains(records[i].Delivery.MessageId)
                : newKeys.Contains(records[i].ContentKey);
            outcomes[i] = isNew ? RowOutcome.Stored : RowOutcome.Duplicate;
        }

        return outcomes;
    }

    /// <summary>Runs <c>merge_{table}.sql</c> and adds the keys it reports as new; returns how many.</summary>
    private static int Merge(DuckDBConnection connection, string table, HashSet<string> added)
    {
        using var command = connection.CreateCommand();
        command.CommandText = SqlScripts.Load($"duckdb/merge_{table}.sql");
        using var reader = command.ExecuteReader();
        var count = 0;
        while (reader.Read())
        {
            added.Add(reader.GetString(0));
            count++;
        }

        return count;
    }
}
