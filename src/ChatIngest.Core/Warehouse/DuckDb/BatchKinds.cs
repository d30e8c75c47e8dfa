namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>How many rows of each kind a load appends: which appenders it opens.</summary>
internal readonly record struct BatchKinds(int Orders, int Chats, int DeadLetters);
