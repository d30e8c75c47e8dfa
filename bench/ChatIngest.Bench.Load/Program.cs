// Bench helper: `load <file.ndjson> <db>` times DuckDB's own read_json load of a replay file into ChatIngest's tables
// (the comparison for POST /replay); `count <db>` prints the rows of each table (the benchmark's "nothing lost" check);
// `commits` and `checkpoints` are probes of the DuckDB write path (CommitProbe, CheckpointProbe).
using System.Diagnostics;
using System.Globalization;
using ChatIngest.Bench.Load;
using ChatIngest.Core.Warehouse;

if (args is ["count", var countDb])
{
    using var connection = Db.Open(countDb);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"orders={Db.Count(connection, "SELECT count(*) FROM orders")} conversations={Db.Count(connection, "SELECT count(*) FROM conversations")} dead_letters={Db.Count(connection, "SELECT count(*) FROM dead_letters")}"));
    return 0;
}

if (args is ["commits", var probeDb, var batchRows, var commits])
{
    CommitProbe.Run(probeDb, int.Parse(batchRows, CultureInfo.InvariantCulture), int.Parse(commits, CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["checkpoints", var checkpointDb, var perCheckpoint, var chatRows, .. var mix] && mix.Length <= 2)
{
    // Optional: order events per 18 rows (default: 2 in 9, the benchmark's share), and order rows per checkpoint (default: none).
    CheckpointProbe.Run(
        checkpointDb, int.Parse(perCheckpoint, CultureInfo.InvariantCulture), int.Parse(chatRows, CultureInfo.InvariantCulture),
        mix.Length > 0 ? int.Parse(mix[0], CultureInfo.InvariantCulture) : null,
        mix.Length > 1 ? int.Parse(mix[1], CultureInfo.InvariantCulture) : int.MaxValue);
    return 0;
}

if (args is ["load", var file, var loadDb])
{
    using var connection = Db.Open(loadDb);
    Db.Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
    var script = ReadResource("read_json_load.sql").Replace("$path", Path.GetFullPath(file).Replace("'", "''", StringComparison.Ordinal), StringComparison.Ordinal);
    var clock = Stopwatch.StartNew();
    foreach (var statement in script.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Append("CHECKPOINT"))
    {
        var step = Stopwatch.StartNew();
        Db.Execute(connection, statement);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step.Elapsed.TotalSeconds,6:F2}s  {Label(statement)}"));
    }

    var seconds = clock.Elapsed.TotalSeconds;
    var rows = Db.Count(connection, "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM conversations)");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows={rows} seconds={seconds:F2} rows_per_s={rows / seconds:F0} vmhwm_kb={Db.StatusKb("VmHWM:")?.ToString(CultureInfo.InvariantCulture) ?? "?"}"));
    return 0;
}

Console.Error.WriteLine("usage: load <file.ndjson> <db> | count <db> | commits <db> <rows per commit> <commits> | checkpoints <db> <chat rows per checkpoint> <chat rows> [order events per 18 rows] [order rows per checkpoint]");
return 2;

static string ReadResource(string name)
{
    using var stream = System.Reflection.Assembly.GetEntryAssembly()!.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"{name} is not embedded.");
    using var reader = new StreamReader(stream);
    return reader.ReadToEnd();
}

static string Label(string statement)
{
    var line = statement.Split('\n').First(l => !l.StartsWith("--", StringComparison.Ordinal));
    return line.Length <= 60 ? line : line[..60];
}

