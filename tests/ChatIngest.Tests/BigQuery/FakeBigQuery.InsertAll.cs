using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace ChatIngest.Tests.BigQuery;

public sealed partial class FakeBigQuery
{
    /// <summary>
    /// Whether a request refused for an invalid row lists its other rows as <c>stopped</c> (GCP.md §4), or lists the
    /// invalid rows only; either way none of its rows is written.
    /// </summary>
    public bool ListsStoppedRows { get; set; } = true;

    /// <summary>
    /// Whether a row whose insertId was seen is dropped (BigQuery's dedupe, here every time). BigQuery's is best
    /// effort; false keeps every copy, as a dedupe that missed them all would.
    /// </summary>
    public bool DedupesInsertIds { get; set; } = true;

    /// <summary>
    /// tabledata.insertAll as documented: 200 with <c>insertErrors</c> for failed rows; with skipInvalidRows=false one
    /// invalid row keeps every other row out (answered <c>stopped</c>). Rows whose insertId was seen are dropped
    /// (<see cref="DedupesInsertIds"/>).
    /// </summary>
    private async Task<IResult> InsertAllAsync(HttpContext http, string project, string dataset, string table)
    {
        var call = Interlocked.Increment(ref insertCalls);
        var body = await ReadBodyAsync(http);
        if (body is null || project != Project || dataset != Dataset)
        {
            return Reject(http, $"insertAll: bad body, project or dataset ({project}/{dataset})");
        }

        if (!Tables.TryGetValue(table, out var target) || target.IsView)
        {
            return Error(404, "notFound", $"Not found: Table {project}:{dataset}.{table}");
        }

        if (body["skipInvalidRows"]?.GetValueKind() != System.Text.Json.JsonValueKind.False)
        {
            return Reject(http, "insertAll: skipInvalidRows must be sent as false");
        }

        if (body["rows"] is not JsonArray rows || rows.Count is 0 or > 500)
        {
            return Reject(http, $"insertAll: rows must hold 1 to 500 rows, got {(body["rows"] as JsonArray)?.Count}");
        }

        var parsed = new List<(string InsertId, JsonObject Json)>();
        foreach (var row in rows)
        {
            if ((string?)row?["insertId"] is not { Length: > 0 and <= 128 } insertId || row["json"] is not JsonObject json)
            {
                return Reject(http, "insertAll: every row needs an insertId (1-128 chars) and a json object");
            }

            parsed.Add((insertId, json));
        }

        var failure = InsertFailure(table, target.NextCall());
        if (failure is { Delay: var delay } && delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, http.RequestAborted);
        }

        if (failure is { AfterStoring: false, Status: >= 400 })
        {
            return Error(failure.Status, failure.Reason, $"injected failure of call {call}");
        }

        var errors = new JsonArray();
        var invalid = parsed.Select(r => InvalidRow(table, r.Json)).ToList();
        if (invalid.Any(m => m is not null))
        {
            for (var i = 0; i < parsed.Count; i++)
            {
                if (invalid[i] is not null || ListsStoppedRows)
                {
                    errors.Add(RowError(i, invalid[i] is { } message ? "invalid" : "stopped", invalid[i] ?? ""));
                }
            }
        }
        else
        {
            for (var i = 0; i < parsed.Count; i++)
            {
                if (RetryableRowError(table, call, parsed[i].Json) is { } reason)
                {
                    errors.Add(RowError(i, reason, "injected row error"));
                    continue;
                }

                target.Add(parsed[i].InsertId, parsed[i].Json, DedupesInsertIds);
            }
        }

        if (failure is { AfterStoring: true, Status: >= 400 })
        {
            LostAnswers.AddOrUpdate(table, 1, (_, n) => n + 1);
            return Error(failure.Status, failure.Reason, $"injected failure after storing, call {call}");
        }

        return Results.Json(errors.Count == 0
            ? new JsonObject { ["kind"] = "bigquery#tableDataInsertAllResponse" }
            : new JsonObject { ["kind"] = "bigquery#tableDataInsertAllResponse", ["insertErrors"] = errors });
    }

    private static JsonObject RowError(int index, string reason, string message) => new()
    {
        ["index"] = index,
        ["errors"] = new JsonArray(new JsonObject { ["reason"] = reason, ["location"] = reason == "invalid" ? "order_stage" : "", ["message"] = message }),
    };
}

/// <summary>A table of the fake: rows in arrival order, and the insertIds seen (BigQuery's dedupe, here deterministic).</summary>
public sealed partial record FakeTable(string Name, bool IsView)
{
    /// <summary>
    /// What <c>tables.get</c> answers in <c>schema.fields</c>: by default the columns of ChatIngest's own CREATE TABLE
    /// script for this name (a table made by the DDL the fake is sent has that DDL's), with the legacy type names the
    /// REST API uses (INTEGER, BOOLEAN).
    /// </summary>
    public JsonArray Fields { get; init; } = IsView || Name is not ("orders" or "conversations" or "dead_letters")
        ? []
        : FieldsOf(ChatIngest.Core.Warehouse.SqlScripts.Load($"bigquery/create_{Name}.sql"));

    [GeneratedRegex(@"^\s+(\w+)\s+(\w+)(\s+NOT NULL)?,?\s*$", RegexOptions.Multiline)]
    private static partial Regex ColumnLine();

    /// <summary>The columns a CREATE TABLE statement declares, as <c>tables.get</c> would answer them.</summary>
    public static JsonArray FieldsOf(string createTable)
    {
        var legacy = new Dictionary<string, string> { ["INT64"] = "INTEGER", ["BOOL"] = "BOOLEAN", ["FLOAT64"] = "FLOAT" };
        return [.. ColumnLine().Matches(createTable).Select(m => (JsonNode)new JsonObject
        {
            ["name"] = m.Groups[1].Value,
            ["type"] = legacy.GetValueOrDefault(m.Groups[2].Value, m.Groups[2].Value),
            ["mode"] = m.Groups[3].Success ? "REQUIRED" : "NULLABLE",
        })];
    }

    private readonly List<JsonObject> rows = [];
    private readonly HashSet<string> insertIds = new(StringComparer.Ordinal);

    private int calls;

    public int NextCall() => Interlocked.Increment(ref calls);

    public void Add(string insertId, JsonObject json, bool dedupe)
    {
        lock (rows)
        {
            if (insertIds.Add(insertId) || !dedupe)
            {
                rows.Add((JsonObject)json.DeepClone());
            }
        }
    }

    public IReadOnlyList<JsonObject> Snapshot()
    {
        lock (rows)
        {
            return rows.ToList();
        }
    }
}
