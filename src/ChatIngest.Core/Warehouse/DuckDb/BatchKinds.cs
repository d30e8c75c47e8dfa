using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>How many records of each kind a batch holds.</summary>
internal readonly record struct BatchKinds(int Orders, int Chats, int DeadLetters)
{
    public static BatchKinds Of(IReadOnlyList<IngestRecord> records)
    {
        int orders = 0, chats = 0, deadLetters = 0;
        foreach (var record in records)
        {
            switch (record)
            {
                case OrderEventRecord: orders++; break;
                case ChatMessageRecord: chats++; break;
                case DeadLetterRecord: deadLetters++; break;
                default: throw new InvalidOperationException($"Unknown record type {record.GetType().Name}.");
            }
        }

        return new BatchKinds(orders, chats, deadLetters);
    }
}
