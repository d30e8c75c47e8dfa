namespace ChatIngest.Core.Warehouse;

/// <summary>What became of one record of a batch.</summary>
public enum RowOutcome
{
    /// <summary>Stored as a new row (a dead letter counts as stored in <c>dead_letters</c>).</summary>
    Stored,

    /// <summary>Equal content (or, for a dead letter, the same message id) was already stored; nothing changed.</summary>
    Duplicate,

    /// <summary>The warehouse refused the row itself and it was parked in <c>dead_letters</c> instead.</summary>
    RejectedToDeadLetters,
}
