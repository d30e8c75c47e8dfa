namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// One row of a query result, read by column name and checked against the schema's type, so a view whose columns
/// move or change type fails loudly instead of decoding the wrong cell.
/// </summary>
internal sealed class BigQueryRow(QuerySchema schema, string?[] cells)
{
    public string? NullableString(string column) => Cell(column, "STRING");

    public string String(string column) => NullableString(column) ?? throw NullIn(column);

    public long? NullableInt64(string column) => Cell(column, "INT64") is { } text ? BigQueryValues.Int64(text) : null;

    public long Int64(string column) => NullableInt64(column) ?? throw NullIn(column);

    public double? NullableFloat64(string column) => Cell(column, "FLOAT64") is { } text ? BigQueryValues.Float64(text) : null;

    public bool? NullableBool(string column) => Cell(column, "BOOL") is { } text ? BigQueryValues.Bool(text) : null;

    public DateTime? NullableTimestamp(string column) => Cell(column, "TIMESTAMP") is { } text ? BigQueryValues.Timestamp(text) : null;

    public DateTime Timestamp(string column) => NullableTimestamp(column) ?? throw NullIn(column);

    public byte[] Bytes(string column) => Cell(column, "BYTES") is { } text ? BigQueryValues.Bytes(text) : throw NullIn(column);

    private string? Cell(string column, string type)
    {
        var (index, actual) = schema.Find(column);
        if (actual != type)
        {
            throw new FormatException($"Column {column} is {actual} in the result, expected {type}.");
        }

        return cells[index];
    }

    private static FormatException NullIn(string column) => new($"Column {column} is NULL, expected a value.");
}

/// <summary>The <c>schema.fields</c> of a result: column names and their types, normalised (INTEGER is INT64, ...).</summary>
internal sealed class QuerySchema
{
    private readonly Dictionary<string, (int Index, string Type)> columns = new(StringComparer.Ordinal);

    public QuerySchema(IEnumerable<(string Name, string Type)> fields)
    {
        var index = 0;
        foreach (var (name, type) in fields)
        {
            columns[name] = (index++, Normalize(type));
        }
    }

    public int Count => columns.Count;

    public (int Index, string Type) Find(string column) =>
        columns.TryGetValue(column, out var found) ? found : throw new FormatException($"The result has no column {column}.");

    private static string Normalize(string type) => type.ToUpperInvariant() switch
    {
        "INTEGER" => "INT64",
        "FLOAT" => "FLOAT64",
        "BOOLEAN" => "BOOL",
        var other => other,
    };
}
