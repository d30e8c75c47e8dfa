using System.Net;
using System.Text.Json;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>Reads BigQuery's JSON answers: result schemas and rows (<c>{"f":[{"v":…}]}</c>) and error bodies.</summary>
internal static class QueryResults
{
    public static QuerySchema Schema(JsonElement answer)
    {
        if (!answer.TryGetProperty("schema", out var schema) || !schema.TryGetProperty("fields", out var fields))
        {
            return new QuerySchema([]);
        }

        return new QuerySchema(fields.EnumerateArray().Select(f =>
        {
            var name = f.GetProperty("name").GetString()!;
            if (f.TryGetProperty("mode", out var mode) && mode.GetString() == "REPEATED")
            {
                throw new FormatException($"Column {name} is REPEATED; ChatIngest reads scalar columns only.");
            }

            return (name, f.GetProperty("type").GetString()!);
        }));
    }

    public static void AddRows(JsonElement answer, QuerySchema schema, List<BigQueryRow> rows)
    {
        if (!answer.TryGetProperty("rows", out var items))
        {
            return;
        }

        foreach (var item in items.EnumerateArray())
        {
            var cells = new string?[schema.Count];
            var i = 0;
            foreach (var cell in item.GetProperty("f").EnumerateArray())
            {
                if (i == cells.Length)
                {
                    throw new FormatException($"A result row has more cells than the schema's {schema.Count} columns.");
                }

                var value = cell.GetProperty("v");
                cells[i++] = value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => value.GetString(),
                    _ => throw new FormatException($"A result cell is JSON {value.ValueKind}; scalar cells come as strings."),
                };
            }

            if (i != cells.Length)
            {
                throw new FormatException($"A result row has {i} cells, the schema {schema.Count} columns.");
            }

            rows.Add(new BigQueryRow(schema, cells));
        }
    }

    /// <summary><c>{"error":{"code","message","errors":[{"reason","message"}]}}</c> as an exception.</summary>
    public static BigQueryException Error(HttpStatusCode status, byte[] body)
    {
        string reason = "unknown", message = $"HTTP {(int)status}";
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = error.StringOf("message") ?? message;
                if (error.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                    && errors.GetArrayLength() > 0 && errors[0].ValueKind == JsonValueKind.Object)
                {
                    reason = errors[0].StringOf("reason") ?? reason;
                }
            }
        }
        catch (JsonException)
        {
            // a proxy's HTML error page: the status alone decides, as for a body of another shape
        }

        return new BigQueryException(status, reason, message);
    }
}
