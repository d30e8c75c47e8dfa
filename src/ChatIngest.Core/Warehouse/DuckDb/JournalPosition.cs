namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>A point in the journal: the end of a frame in a generation's segment.</summary>
internal readonly record struct JournalPosition(long Generation, long Offset);
