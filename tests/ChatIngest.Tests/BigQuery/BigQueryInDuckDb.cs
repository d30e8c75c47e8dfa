using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
    /// <summary>BigQuery's column types in <c>sql/bigquery/</c>, and DuckDB's for each.</summary>
    private static readonly Dictionary<string, string> ColumnTypes = new(StringComparer.Ordinal)
    {
        ["STRING"] = "VARCHAR",
        ["INT64"] = "BIGINT",
        ["BOOL"] = "BOOLEAN",
        ["BYTES"] = "BLOB",
        ["TIMESTAMP"] = "TIMESTAMP",
    };

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
        ("BYTE_LENGTH(", "octet_length("),
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
        foreach (var table in fake.Tables.Values.Where(t => !t.IsView).Select(t => t.Name))
        {
            var create = BigQueryWarehouse.ForDataset(Settings, $"create_{table}.sql");
            Execute(connection, TranslateTable(create));
            var columns = ColumnDefinition().Matches(create).Select(m => (Name: m.Groups[2].Value, Type: m.Groups[3].Value)).ToList();
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
                    _ = FromText(type, text) switch
                    {
                        null => append.AppendNullValue(),
                        string value => append.AppendValue(value),
                        long value => append.AppendValue(value),
                        bool value => append.AppendValue(value),
                        DateTime value => append.AppendValue(value),
                        byte[] value => append.AppendValue(value),
                        var value => throw new InvalidOperationException($"{table}.{name}: cannot append a {value.GetType().Name}"),
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
        return ColumnDefinition().Replace(sql, m => $"{m.Groups[1].Value}{ColumnTypes[m.Groups[3].Value]}{m.Groups[4].Value}");
    }

    /// <summary>Binds the query's named parameters as DuckDB's, each cast to its BigQuery type; the SQL to run.</summary>
    private static string BindParameters(FakeQuery query, DuckDBCommand command)
    {
        foreach (var (name, (type, value)) in query.Parameters)
        {
            command.Parameters.Add(new DuckDBParameter(name, FromText(type, value) ?? DBNull.Value));
        }

        return NamedParameter().Replace(query.Sql, m => $"CAST(${m.Groups[1].Value} AS {ColumnTypes[query.Parameters[m.Groups[1].Value].Type]})");
    }

    /// <summary>
    /// A value of a BigQuery type from its text: a row's field as insertAll sent it, or a query parameter's value. A
    /// TIMESTAMP is RFC 3339 in a row and <c>yyyy-MM-dd HH:mm:ss.ffffff+00:00</c> in a parameter.
    /// </summary>
    private static object? FromText(string type, string? text) => text is null ? null : type switch
    {
        "STRING" => text,
        "INT64" => long.Parse(text, CultureInfo.InvariantCulture),
        "BOOL" => bool.Parse(text),
        "TIMESTAMP" => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).UtcDateTime,
        "BYTES" => Convert.FromBase64String(text),
        _ => throw new InvalidOperationException($"no value of type {type}"),
    };

    /// <summary>The BigQuery type of a result column: the types the service's queries give.</summary>
    private static string BigQueryType(string duckDbType) => duckDbType switch
    {
        "HUGEINT" => "INT64", // DuckDB's SUM of BIGINTs
        "INTEGER" => "INT64", // DuckDB's type of a small integer literal (BigQuery has only INT64)
        "DOUBLE" => "FLOAT64",
        _ => ColumnTypes.FirstOrDefault(t => t.Value == duckDbType).Key ?? throw new InvalidOperationException($"no BigQuery type for DuckDB's {duckDbType}"),
    };

    /// <summary>A value as BigQuery's REST answer carries it with <c>useInt64Timestamp</c>.</summary>
    private static string WireValue(object value, string type) => (type, value) switch
    {
        ("TIMESTAMP", DateTime t) => ((t - DateTime.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture),
        ("BYTES", Stream stream) => Convert.ToBase64String(ReadAll(stream)),
        ("FLOAT64", double d) => d.ToString("R", CultureInfo.InvariantCulture),
        ("INT64", BigInteger n) => n.ToString(CultureInfo.InvariantCulture),
        ("INT64", long n) => n.ToString(CultureInfo.InvariantCulture),
        ("INT64", int n) => n.ToString(CultureInfo.InvariantCulture),
        ("STRING", string s) => s,
        ("BOOL", bool b) => b ? "true" : "false",
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

    [GeneratedRegex(@"`[\w-]+\.\w+\.(\w+)`")] // `project.dataset.table`
    private static partial Regex TableName();

    [GeneratedRegex(@"\)\s*PARTITION BY .*\z", RegexOptions.Singleline)]
    private static partial Regex StorageClauses();

    [GeneratedRegex(@"^(\s+(\w+)\s+)(STRING|INT64|BOOL|TIMESTAMP|BYTES)(\s)", RegexOptions.Multiline)]
    private static partial Regex ColumnDefinition();

    [GeneratedRegex(@"TIMESTAMP_TRUNC\((\w+), (\w+)\)")]
    private static partial Regex TimestampTrunc();

    [GeneratedRegex(@"@(\w+)")]
    private static partial Regex NamedParameter();
}
