using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse;

/// <summary>
/// The one port between ChatIngest and where rows live: the embedded DuckDB file or BigQuery.
/// Writes come only from the single ingest writer; reads come from any request.
/// </summary>
public interface IWarehouse
{
    /// <summary>Creates tables and the view if missing. Idempotent.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Durably stores one batch in one commit and says, per record, whether it was new or a duplicate of stored content.
    /// The records carry distinct content keys per kind (the writer deduplicates inside a batch). Throws when nothing
    /// could be stored; the caller retries the whole batch, which is safe because storing is idempotent.
    /// </summary>
    Task<RowOutcome[]> WriteAsync(IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken);

    /// <summary>True when the warehouse answers a trivial query.</summary>
    Task<bool> IsReadyAsync(CancellationToken cancellationToken);

    Task<Page<ConversationRow>> ListConversationsAsync(ConversationQuery query, CancellationToken cancellationToken);

    Task<ConversationRow?> GetConversationAsync(long orderId, CancellationToken cancellationToken);

    Task<Page<DeadLetterRow>> ListDeadLettersAsync(DeadLetterQuery query, CancellationToken cancellationToken);

    /// <summary>The aggregates of <c>GET /stats</c>, computed by SQL in the warehouse.</summary>
    Task<ConversationStats> GetStatsAsync(StatsQuery query, CancellationToken cancellationToken);
}
