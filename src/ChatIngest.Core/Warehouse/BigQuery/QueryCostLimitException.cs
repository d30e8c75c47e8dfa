using System.Globalization;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// BigQuery refused a query before running it, at no charge (<c>bytesBilledLimitExceeded</c>): it would bill more than
/// <see cref="WarehouseOptions.BigQueryMaximumBytesBilled"/>, or the project's default when that is unset. Asking again
/// meets the same limit, so a read answers 500 naming the setting, not 503.
/// </summary>
public sealed class QueryCostLimitException : Exception
{
    /// <summary>BigQuery's reason for it, in a <c>jobs.query</c> error answer or a failed job's <c>errorResult</c>.</summary>
    internal const string Reason = "bytesBilledLimitExceeded";

    /// <summary>
    /// BigQuery bills at least 10 MB for each table a query reads, and the view reads two (orders, conversations): a
    /// lower limit refuses every read of it.
    /// </summary>
    public const long LeastBytesBilled = 2 * 10 * 1024 * 1024;

    internal QueryCostLimitException(long? limit, string bigQueryMessage, Exception inner)
        : base(Describe(limit, bigQueryMessage), inner)
    {
    }

    private static string Describe(long? limit, string bigQueryMessage) => limit is { } bytes
        ? string.Create(CultureInfo.InvariantCulture,
            $"BigQuery would bill this read more than Warehouse__BigQueryMaximumBytesBilled ({bytes} bytes), and refused it at no charge ({bigQueryMessage}). Raise that setting to allow such reads.")
        : $"BigQuery would bill this read more than the project's default maximum bytes billed, and refused it at no charge ({bigQueryMessage}). Warehouse__BigQueryMaximumBytesBilled sets the limit for this service's reads.";
}
