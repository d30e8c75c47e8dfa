using System.Text.RegularExpressions;

namespace ChatIngest.Core.Warehouse.BigQuery;

/// <summary>
/// The columns a <c>sql/bigquery/create_*.sql</c> script declares, and what stands between a table that already exists
/// and the rows ChatIngest writes into it (insertAll refuses every row of a table without one of its columns, and
/// every row that leaves a REQUIRED column of its own empty).
/// </summary>
internal static partial class TableSchema
{
    /// <summary>A column: its name, its type as standard SQL names it, and its mode (NULLABLE, REQUIRED, REPEATED).</summary>
    public sealed record Field(string Name, string Type, string Mode);

    [GeneratedRegex(@"^\s+(?<name>[a-z_][a-z0-9_]*)\s+(?<type>[A-Z][A-Z0-9]*)(?<required>\s+NOT NULL)?,?\s*$", RegexOptions.None)]
    private static partial Regex ColumnLine();

    /// <summary>
    /// The columns of a CREATE TABLE script, one per line as the scripts are written. Strict: a line of the column list
    /// it cannot read throws, since a column left out would make a table the script itself created look wrong.
    /// </summary>
    public static IReadOnlyList<Field> Declared(string createTable)
    {
        var lines = createTable.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var open = lines.FindIndex(l => l.StartsWith("CREATE TABLE", StringComparison.Ordinal) && l.TrimEnd().EndsWith('('));
        var close = lines.FindIndex(open + 1, l => l.StartsWith(')'));
        if (open < 0 || close < 0)
        {
            throw new FormatException("Not a CREATE TABLE script with one column a line.");
        }

        return [.. lines.Skip(open + 1).Take(close - open - 1).Where(l => l.Trim().Length > 0).Select(line =>
            ColumnLine().Match(line) is { Success: true } m
                ? new Field(m.Groups["name"].Value, StandardType(m.Groups["type"].Value), m.Groups["required"].Success ? "REQUIRED" : "NULLABLE")
                : throw new FormatException($"A column line this check cannot read: '{line.Trim()}'."))];
    }

    /// <summary>
    /// The type as standard SQL names it: the REST API may answer with the legacy names (GCP.md §6 creates tables with
    /// <c>schema.fields[{name,type,mode}]</c>, where INTEGER is INT64, FLOAT is FLOAT64, BOOLEAN is BOOL).
    /// </summary>
    public static string StandardType(string type) => type.ToUpperInvariant() switch
    {
        "INTEGER" or "INT" or "SMALLINT" or "BIGINT" or "TINYINT" or "BYTEINT" => "INT64",
        "FLOAT" => "FLOAT64",
        "BOOLEAN" => "BOOL",
        "RECORD" => "STRUCT",
        "DECIMAL" => "NUMERIC",
        "BIGDECIMAL" => "BIGNUMERIC",
        var standard => standard,
    };

    /// <summary>Why rows written for <paramref name="declared"/> would not go into a table of <paramref name="existing"/>; empty when they would.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<Field> declared, IReadOnlyList<Field> existing)
    {
        // Column names are case-insensitive in BigQuery.
        var byName = existing.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var column in declared)
        {
            if (!byName.TryGetValue(column.Name, out var found))
            {
                problems.Add($"{column.Name} {column.Type} is missing");
            }
            else if (StandardType(found.Type) != column.Type)
            {
                problems.Add($"{column.Name} is {StandardType(found.Type)}, not {column.Type}");
            }
            else if (found.Mode == "REPEATED")
            {
                problems.Add($"{column.Name} is REPEATED (an array)");
            }
        }

        var names = declared.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        problems.AddRange(existing.Where(f => f.Mode == "REQUIRED" && !names.Contains(f.Name))
            .Select(f => $"{f.Name} is REQUIRED and ChatIngest does not write it"));
        return problems;
    }
}
