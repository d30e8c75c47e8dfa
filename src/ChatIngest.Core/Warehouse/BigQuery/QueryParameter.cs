using System.Globalization;
using ChatIngest.Core.Messages;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// A named query parameter of <c>jobs.query</c> (GCP.md §5): scalar values travel as strings, a null value is SQL NULL
/// of the given type.
/// </summary>
internal sealed record QueryParameter(string Name, string Type, string? Value)
{
    public static QueryParameter String(string name, string? value) => new(name, "STRING", value);

    public static QueryParameter Bool(string name, bool? value) => new(name, "BOOL", value is { } b ? (b ? "true" : "false") : null);

    public static QueryParameter Int64(string name, long? value) =>
        new(name, "INT64", value?.ToString(CultureInfo.InvariantCulture));

    /// <summary>A UTC time as <c>yyyy-MM-dd HH:mm:ss.ffffff+00:00</c>, the TIMESTAMP literal form BigQuery parses.</summary>
    public static QueryParameter Timestamp(string name, DateTime? value) =>
        new(name, "TIMESTAMP", value is { } utc
            ? Rfc3339.TruncateToMicroseconds(DateTime.SpecifyKind(utc, DateTimeKind.Utc))
                .ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture)
            : null);
}
