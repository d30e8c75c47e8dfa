using System.Runtime.ExceptionServices;
using ChatIngest.Core.Messages;
using DuckDB.NET.Data;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Appends a load's journal entries with DuckDB's Appender: new orders and chat messages into the tables, earlier
/// publications of stored rows into the loader's TEMP stage tables of the same columns (<c>stage_orders</c>,
/// <c>stage_conversations</c>), and dead letters into <c>stage_dead_letters</c>, for the keyed merge. Strings go in as
/// the journal's UTF-8 bytes. Opens only the appenders the entries need, and says how many rows each got.
/// </summary>
internal sealed class DuckDbRowAppender(DuckDBConnection connection) : IDisposable
{
    private static readonly byte[] Courier = "Courier"u8.ToArray();
    private static readonly byte[] Customer = "Customer"u8.ToArray();

    private DuckDBAppender? orders, chats, stageOrders, stageChats, deadLetters;

    /// <summary>New rows appended per kind.</summary>
    public BatchKinds Stored { get; private set; }

    /// <summary>Earlier publications of stored rows staged per kind (never dead letters).</summary>
    public BatchKinds Earlier { get; private set; }

    public void Append(Span<byte> payloads)
    {
        var rows = new JournalRows(payloads);
        while (rows.MoveNext())
        {
            ref readonly var row = ref rows.Current;
            switch (row.Kind)
            {
                case JournalCodec.Order:
                    var orderAppender = row.PublicationOnly ? stageOrders ??= Open("stage_orders") : orders ??= Open("orders");
                    orderAppender.CreateRow()
                        .AppendValue(row.Key).AppendValue(row.OrderId).AppendValue(row.CityCode)
                        .AppendValue(row.MessageId).AppendValue(row.PublishTime).AppendValue(row.ReceivedAt)
                        .EndRow();
                    Count(row.PublicationOnly, new BatchKinds(1, 0, 0));
                    break;
                case JournalCodec.Chat:
                    var chatAppender = row.PublicationOnly ? stageChats ??= Open("stage_conversations") : chats ??= Open("conversations");
                    chatAppender.CreateRow()
                        .AppendValue(row.Key).AppendValue(row.OrderId).AppendValue(row.SenderAppType)
                        .AppendValue(row.Role == SenderRole.Courier ? Courier : Customer)
                        .AppendValue(row.MessageSentTime).AppendValue(row.ChatStartedByMessage).AppendValue(row.OrderStage)
                        .AppendValue(row.FromId).AppendValue(row.ToId).AppendValue(row.CourierId).AppendValue(row.CustomerId)
                        .AppendValue(row.MessageId).AppendValue(row.PublishTime).AppendValue(row.ReceivedAt)
                        .EndRow();
                    Count(row.PublicationOnly, new BatchKinds(0, 1, 0));
                    break;
                default:
                    (deadLetters ??= Open("stage_dead_letters")).CreateRow()
                        .AppendValue(row.MessageId).AppendValue(row.Reason).AppendValue(row.Detail)
                        .AppendValue(row.PublishTime).AppendValue(row.ReceivedAt).AppendValue(row.Data)
                        .EndRow();
                    Count(publicationOnly: false, new BatchKinds(0, 0, 1));
                    break;
            }
        }
    }

    /// <summary>
    /// Closes the appenders, which flushes what they hold into their tables (inside the load's transaction). Every one
    /// is closed even when one fails; the first failure is rethrown (the load then rolls back and is retried).
    /// </summary>
    public void Dispose()
    {
        ExceptionDispatchInfo? first = null;
        foreach (var appender in (ReadOnlySpan<DuckDBAppender?>)[orders, chats, stageOrders, stageChats, deadLetters])
        {
            try
            {
                appender?.Dispose();
            }
            catch (Exception e)
            {
                first ??= ExceptionDispatchInfo.Capture(e);
            }
        }

        first?.Throw();
    }

    private DuckDBAppender Open(string table) => connection.CreateAppender(table);

    private void Count(bool publicationOnly, BatchKinds one)
    {
        if (publicationOnly)
        {
            Earlier += one;
        }
        else
        {
            Stored += one;
        }
    }
}
