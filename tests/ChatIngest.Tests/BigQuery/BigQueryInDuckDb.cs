using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.BigQuery;
using DuckDB.NET.Data;

namespace ChatIngest.Tests.BigQuery;

/// <summary>
/// Runs the service's BigQuery SQL for <see cref="FakeBigQuery"/>, on what the fake's tables hold, in an in-memory
/// DuckDB: so the view, the list, get and stats queries and the service's reading of their answers can be checked
/// against the model of VIEW.md, where no BigQuery is at hand. The dialects differ in a few spellings, which are
/// rewritten here (<see cref="Spellings"/>); a BigQuery function DuckDB does not know fails the query, so a new one
/// shows up here. BigQuery's NULL order (first ascending, last descending) is set for the session.
/// What this cannot show is that BigQuery itself accepts the SQL; <see cref="BigQuerySqlParseTests"/> parses it.
/// </summary>
internal static partial class BigQueryInDuckDb
{
    private static readonly string[] Tables = ["orders", "conversations", "dead_letters"];

    /// <summary>BigQuery's spellings that DuckDB lacks, as <c>sql/bigquery/</c> writes them, and DuckDB's for the same.</summary>
    private static readonly (string BigQuery, string DuckDb)[] Spellings =
    [
        ("SELECT * EXCEPT (", "SELECT * EXCLUDE ("),
        ("REGEXP_CONTAINS(", "regexp_matches("),
        ("COUNTIF(", "count_if("),
        ("LOGICAL_OR(", "bool_or("),
        ("UNIX_MICROS(", "epoch_us("),
        ("DIV(", "bigquery_div("),
        ("PERCENTILE_CONT(", "quantile_cont("),
    ];

    private static readonly WarehouseOptions Settings = new() { ProjectId = FakeBigQuery.Project, Dataset = FakeBigQuery.Dataset };

    /// <summary>
    /// An answer for <see cref="FakeBigQuery.Answer"/> that runs the query over the fake's rows, as BigQuery's REST
    /// answer gives it: each value a string (TIMESTAMP as int64 microseconds), in pages of <paramref name="pageRows"/>.
    /// </summary>
    public static Func<FakeQuery, CannedResult?> Answer(FakeBigQuery fake, int pageRows = 37) => query =>
    {
        using var connection = Load(fake);
        using var command = connection.CreateCommand();
        command.CommandText = Translate(BindParameters(query, command));
        using var reader = command.ExecuteReader();
        var fields = Enumerable.Range(0, reader.FieldCount).Select(i => (reader.GetName(i), BigQueryType(reader.GetDataTypeName(i).ToUpperInvariant()))).ToList();
        var rows = new List<string?[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : WireValue(reader.GetValue(i), fields[i].Item2))]);
        }

        var pages = rows.Chunk(pageRows).Select(p => (IReadOnlyList<string?[]>)p).ToList();
        return new CannedResult(fields, pages.Count > 0 ? pages : [[]]);
    };

    /// <summary>The fake's tables and the view, as <c>sql/bigquery/</c> creates them, holding every row the fake stored.</summary>
    private static DuckDBConnection Load(FakeBigQuery fake)
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, "SET default_null_order = 'nulls_first_on_asc_last_on_desc'");
        Execute(connection, "CREATE TEMP MACRO bigquery_div(a, b) AS (a // b)"); // both truncate toward zero
        foreach (var table in Tables)
        {
            var create = TranslateTable(BigQueryWarehouse.ForDataset(Settings, $"create_{table}.sql"));
            Execute(connection, create);
            var columns = ColumnDefinition().Matches(create).Select(m => (Name: m.Groups[1].Value, Type: m.Groups[2].Value)).ToList();
            using var appender = connection.CreateAppender(table);
            foreach (var row in fake.Rows(table))
            {
                var append = appender.CreateRow();
                foreach (var (name, type) in columns)
                {
                    var text = row[name] switch
                    {
                        null => null,
                        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                        var v => v.ToJsonString(), // true, false, a number
                    };
                    _ = text is null ? append.AppendNullValue() : type switch
                    {
                        "VARCHAR" => append.AppendValue(text),
                        "BIGINT" => append.AppendValue(long.Parse(text, CultureInfo.InvariantCulture)),
                        "BOOLEAN" => append.AppendValue(bool.Parse(text)),
                        "TIMESTAMP" => append.AppendValue(Rfc3339.TryParseUtc(text, out var utc) ? utc : throw new FormatException($"{table}.{name}: {text}")),
                        "BLOB" => append.AppendValue(Convert.FromBase64String(text)),
                        _ => throw new InvalidOperationException($"{table}.{name}: no loader for {type}"),
                    };
                }

                append.EndRow();
            }
        }

        Execute(connection, Translate(BigQueryWarehouse.ForDataset(Settings, "view.sql")));
        return connection;
    }

    /// <summary>A query or the view in DuckDB's spelling.</summary>
    private static string Translate(string sql)
    {
        sql = TableName().Replace(sql, "$1");
        foreach (var (bigQuery, duckDb) in Spellings)
        {
            sql = sql.Replace(bigQuery, duckDb, StringComparison.Ordinal);
        }

        return TimestampTrunc().Replace(sql, "date_trunc('$2', $1)");
    }

    /// <summary>A <c>CREATE TABLE</c> of <c>sql/bigquery/</c> in DuckDB's types, without BigQuery's storage clauses.</summary>
    private static string TranslateTable(string sql)
    {
        sql = TableName().Replace(sql, "$1");
        sql = StorageClauses().IsMatch(sql) ? StorageClauses().Replace(sql, ")") : throw new InvalidOperationException($"no PARTITION BY to take out of:\n{sql}");
        foreach (var (bigQuery, duckDb) in new[] { ("STRING", "VARCHAR"), ("INT64", "BIGINT"), ("BOOL", "BOOLEAN"), ("BYTES", "BLOB") }) // TIMESTAMP is TIMESTAMP in both
        {
            sql = Regex.Replace(sql, $@"(?<=^\s+\w+\s+){bigQuery}(?=\s)", duckDb, RegexOptions.Multiline);
        }

        return sql;
    }

    /// <summary>Binds the query's named parameters as DuckDB's, each cast to its BigQuery type; the SQL to run.</summary>
    private static string BindParameters(FakeQuery query, DuckDBCommand command)
    {
        foreach (var (name, (type, value)) in query.Parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, value is null ? DBNull.Value : type switch
            {
                "STRING" => value,
                "INT64" => long.Parse(value, CultureInfo.InvariantCulture),
                "BOOL" => bool.Parse(value),
                "TIMESTAMP" => DateTime.ParseExact(value, "yyyy-MM-dd HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                _ => throw new InvalidOperationException($"@{name}: no binding for {type}"),
            }));
        }

        return NamedParameter().Replace(query.Sql, m => $"CAST(${m.Groups[1].Value} AS {DuckDbType(query.Parameters[m.Groups[1].Value].Type)})");
    }

    private static string DuckDbType(string bigQueryType) => bigQueryType switch
    {
        "STRING" => "VARCHAR",
        "INT64" => "BIGINT",
        "BOOL" => "BOOLEAN",
        "TIMESTAMP" => "TIMESTAMP",
        _ => throw new InvalidOperationException($"no DuckDB type for {bigQueryType}"),
    };

    private static string BigQueryType(string duckDbType) => duckDbType switch
    {
        "BIGINT" or "INTEGER" or "HUGEINT" or "SMALLINT" or "TINYINT" => "INT64",
        "DOUBLE" or "FLOAT" => "FLOAT64",
        "VARCHAR" => "STRING",
        "BOOLEAN" => "BOOL",
        "BLOB" => "BYTES",
        _ when duckDbType.StartsWith("TIMESTAMP", StringComparison.Ordinal) => "TIMESTAMP",
        _ when duckDbType.StartsWith("DECIMAL", StringComparison.Ordinal) => "FLOAT64",
        _ => throw new InvalidOperationException($"no BigQuery type for DuckDB's {duckDbType}"),
    };

    /// <summary>A value as BigQuery's REST answer carries it with <c>useInt64Timestamp</c>.</summary>
    private static string WireValue(object value, string type) => (type, value) switch
    {
        ("TIMESTAMP", DateTime t) => ((t - DateTime.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture),
        ("BOOL", bool b) => b ? "true" : "false",
        ("BYTES", byte[] bytes) => Convert.ToBase64String(bytes),
        ("BYTES", Stream stream) => Convert.ToBase64String(ReadAll(stream)),
        ("FLOAT64", double d) => d.ToString("R", CultureInfo.InvariantCulture),
        ("FLOAT64", decimal m) => m.ToString(CultureInfo.InvariantCulture),
        ("INT64", BigInteger n) => n.ToString(CultureInfo.InvariantCulture),
        ("INT64", IConvertible n) => Convert.ToInt64(n, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        ("STRING", string s) => s,
        _ => throw new InvalidOperationException($"no wire form for {value.GetType().Name} as {type}"),
    };

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [GeneratedRegex(@"`demo-project\.chat\.(\w+)`")]
    private static partial Regex TableName();

    [GeneratedRegex(@"\)\s*PARTITION BY .*\z", RegexOptions.Singleline)]
    private static partial Regex StorageClauses();

    [GeneratedRegex(@"^\s+(\w+)\s+(VARCHAR|BIGINT|BOOLEAN|TIMESTAMP|BLOB)\s", RegexOptions.Multiline)]
    private static partial Regex ColumnDefinition();

    [GeneratedRegex(@"TIMESTAMP_TRUNC\((\w+), (\w+)\)")]
    private static partial Regex TimestampTrunc();

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex NamedParameter();
}
