using ChatIngest.Core.Messages;
using DuckDB.NET.Data;

namespace ChatIngest.Bench.Naive;

/// <summary>One parameterized INSERT per record, each its own DuckDB transaction, one at a time on one connection.</summary>
internal sealed class NaiveInserter(DuckDBConnection connection) : IDisposable
{
    private static readonly string InsertOrder = Sql("insert_order.sql");
    private static readonly string InsertConversation = Sql("insert_conversation.sql");
    private static readonly string InsertDeadLetter = Sql("insert_dead_letter.sql");

    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task InsertAsync(IngestRecord record)
    {
        await gate.WaitAsync();
        try
        {
            using var command = connection.CreateCommand();
            var d = record.Delivery;
            switch (record)
            {
                case OrderEventRecord o:
                    command.CommandText = InsertOrder;
                    Add(command, ("key", o.Key), ("order_id", o.OrderId), ("city_code", o.CityCode));
                    break;
                case ChatMessageRecord c:
                    command.CommandText = InsertConversation;
                    Add(command, ("key", c.Key), ("order_id", c.OrderId), ("sender_app_type", c.SenderAppType),
                        ("sender_role", c.Role.ToString()), ("message_sent_time", c.MessageSentTime),
                        ("chat_started_by_message", c.ChatStartedByMessage), ("order_stage", c.OrderStage),
                        ("from_id", c.FromId), ("to_id", c.ToId), ("courier_id", c.CourierId), ("customer_id", c.CustomerId));
                    break;
                case DeadLetterRecord x:
                    command.CommandText = InsertDeadLetter;
                    Add(command, ("reason", x.Reason), ("detail", x.Detail), ("data", x.Data));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown record type {record.GetType().Name}.");
            }

            Add(command, ("message_id", d.MessageId), ("publish_time", d.PublishTime), ("received_at", d.ReceivedAt));
            command.ExecuteNonQuery();
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    private static void Add(DuckDBCommand command, params (string Name, object Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value));
        }
    }

    private static string Sql(string name)
    {
        using var stream = typeof(NaiveInserter).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
