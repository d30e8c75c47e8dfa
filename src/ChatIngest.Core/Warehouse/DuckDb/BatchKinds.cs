namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>How many rows of each kind a load appended: which merges it runs.</summary>
internal readonly record struct BatchKinds(int Orders, int Chats, int DeadLetters)
{
    public static BatchKinds operator +(BatchKinds a, BatchKinds b) =>
        new(a.Orders + b.Orders, a.Chats + b.Chats, a.DeadLetters + b.DeadLetters);
}
