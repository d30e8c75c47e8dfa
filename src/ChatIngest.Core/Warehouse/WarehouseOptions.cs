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

    /// <summary>How long one HTTP exchange with BigQuery may take before it is abandoned and retried.</summary>
    public TimeSpan BigQueryRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>insertAll requests one write sends at the same time (a batch is split into requests of at most 500 rows).</summary>
    public int BigQueryInsertConcurrency { get; set; } = 4;

    public bool IsDuckDb => string.Equals(Kind, DuckDbKind, StringComparison.OrdinalIgnoreCase);

    public bool IsBigQuery => string.Equals(Kind, BigQueryKind, StringComparison.OrdinalIgnoreCase);
}
