namespace ChatIngest.Core.Warehouse;

/// <summary>The <c>Warehouse</c> configuration section (API.md "Configuration").</summary>
public sealed class WarehouseOptions
{
    public const string SectionName = "Warehouse";
    public const string DuckDbKind = "DuckDb";
    public const string BigQueryKind = "BigQuery";

    /// <summary><c>DuckDb</c> (embedded file) or <c>BigQuery</c>. A string so a typo gets our message, not a binder's.</summary>
    public string Kind { get; set; } = DuckDbKind;

    public string DuckDbPath { get; set; } = "data/chatingest.duckdb";

    public string? ProjectId { get; set; }

    public string? Dataset { get; set; }

    public string? Location { get; set; }

    public string BigQueryEndpoint { get; set; } = "https://bigquery.googleapis.com/";

    /// <summary>How long one BigQuery call (with its retries of 429/5xx/rate limits) may take before it gives up.</summary>
    public TimeSpan BigQueryRetryBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one HTTP exchange with BigQuery may take before it is abandoned and retried: well inside
    /// <see cref="BigQueryRetryBudget"/>, or a hung exchange uses up the whole budget and is never sent again.
    /// </summary>
    public TimeSpan BigQueryRequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one query (a read, or a setup step) may take, from its first request on, its polls for completion and
    /// any jobs run again after a failed one included, before it gives up (a read then answers 503). Each call is under
    /// <see cref="BigQueryRetryBudget"/>, and asks the server to wait at most 2 s (or half of this, or of
    /// <see cref="BigQueryRequestTimeout"/>) for the job.
    /// </summary>
    public TimeSpan BigQueryQueryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most bytes BigQuery may bill one query for (<c>maximumBytesBilled</c>); a read that would bill more is refused
    /// by BigQuery before it runs, at no charge, and answers 500 naming this setting. Unset: the project's default, if
    /// any. At least 20 MiB, as BigQuery bills at least 10 MB for each table a query reads, and the view reads two.
    /// </summary>
    public long? BigQueryMaximumBytesBilled { get; set; }

    /// <summary>insertAll requests one write sends at the same time (a batch is split into requests of at most 500 rows).</summary>
    public int BigQueryInsertConcurrency { get; set; } = 4;

    /// <summary>
    /// Chat messages loaded (into conversations) since the last checkpoint at which the loader checkpoints between two
    /// loads even under steady load. What a checkpoint allocates depends on how many rows it covers, and not in one
    /// direction. About 100,000 a table (0.8 of a DuckDB row group) peaked lowest in the probe; against 16 MB of WAL it
    /// took one order event per chat message from 330 to 250 MB and left the other mixes measured within noise
    /// (docs/performance.md, item 31).
    /// </summary>
    public int DuckDbCheckpointRows { get; set; } = 100_000;

    /// <summary>
    /// Order events loaded (into orders) since the last checkpoint at which the loader checkpoints, as
    /// <see cref="DuckDbCheckpointRows"/> does for chat messages. Twice that: a checkpoint covers the whole file, so at
    /// 100,000 order events a mix with more order events than chat messages wrote each conversations row group in three
    /// or more parts, and the checkpoint that completed one rose ~120 MB (two order events per chat message peaked at
    /// 325–336 MB, 271–280 MB with 200,000; docs/performance.md, item 36).
    /// </summary>
    public int DuckDbCheckpointOrderRows { get; set; } = 200_000;

    /// <summary>
    /// WAL size at which the loader checkpoints between two loads even under steady load, whatever the rows: the limit
    /// for wide rows (what was loaded since the last checkpoint stays in memory until then). DuckDB's own checkpoint
    /// runs inside a commit; it is moved to four times this size, as a last resort.
    /// </summary>
    public int DuckDbCheckpointWalMegabytes { get; set; } = 32;

    /// <summary>How long loads must pause before the WAL is checkpointed (longer than the load interval, or every pause between loads counts).</summary>
    public TimeSpan DuckDbIdleCheckpointAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long journaled rows wait before they are loaded into the DuckDB tables; a read loads what is pending at once,
    /// and so does a DuckDB row group's worth (122,880 rows). Rows coming fast enough to fill a row group within four
    /// intervals (a replay) wait for it, up to four intervals. Longer means fewer, larger DuckDB transactions; it never
    /// delays an acknowledgement.
    /// </summary>
    public TimeSpan DuckDbLoadInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Journaled rows that may wait for the loader (in memory, as journal bytes: about 200 each). When they reach it,
    /// writes wait for room and then answer 503; half of it (or a row group, whichever is less) starts a load at once.
    /// </summary>
    public int DuckDbMaxPendingRows { get; set; } = 400_000;

    /// <summary>
    /// Content keys of the newest rows the writer remembers to drop redeliveries (about 36 bytes each, allocated at
    /// start). An older copy is stored again and the view still counts it once.
    /// </summary>
    public int DuckDbRecentKeys { get; set; } = 500_000;

    /// <summary>DuckDB's memory limit (unset: DuckDB's default, 80 % of RAM).</summary>
    public int? DuckDbMemoryLimitMegabytes { get; set; }

    /// <summary>
    /// DuckDB's worker threads for the whole database (unset: one per core). With few cores, 1 spends less CPU per
    /// group commit (no worker polling for tasks) at the price of single-threaded reads.
    /// </summary>
    public int? DuckDbThreads { get; set; }

    public bool IsDuckDb => string.Equals(Kind, DuckDbKind, StringComparison.OrdinalIgnoreCase);

    public bool IsBigQuery => string.Equals(Kind, BigQueryKind, StringComparison.OrdinalIgnoreCase);
}
