// Bench helper: `load <file.ndjson> <db>` times DuckDB's own read_json load of a replay file into ChatIngest's tables
// (the comparison for POST /replay); `count <db>` prints the rows of each table (the benchmark's "nothing lost" check);
// `commits` and `checkpoints` are probes of the DuckDB write path (CommitProbe, CheckpointProbe).
using System.Diagnostics;
using System.Globalization;
using ChatIngest.Core.Warehouse;
using DuckDB.NET.Data;

if (args is ["count", var countDb])
{
    using var connection = Open(countDb);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"orders={Scalar(connection, "SELECT count(*) FROM orders")} conversations={Scalar(connection, "SELECT count(*) FROM conversations")} dead_letters={Scalar(connection, "SELECT count(*) FROM dead_letters")}"));
    return 0;
}

if (args is ["commits", var probeDb, var batchRows, var commits])
{
    ChatIngest.Bench.Load.CommitProbe.Run(probeDb, int.Parse(batchRows, CultureInfo.InvariantCulture), int.Parse(commits, CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["checkpoints", var checkpointDb, var perCheckpoint, var chatRows])
{
    ChatIngest.Bench.Load.CheckpointProbe.Run(checkpointDb, int.Parse(perCheckpoint, CultureInfo.InvariantCulture), int.Parse(chatRows, CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["load", var file, var loadDb])
{
    using var connection = Open(loadDb);
    Execute(connection, SqlScripts.Load("duckdb/tables.sql"));
    var script = ReadResource("read_json_load.sql").Replace("$path", Path.GetFullPath(file).Replace("'", "''", StringComparison.Ordinal), StringComparison.Ordinal);
    var clock = Stopwatch.StartNew();
    foreach (var statement in script.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Append("CHECKPOINT"))
    {
        var step = Stopwatch.StartNew();
        Execute(connection, statement);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step.Elapsed.TotalSeconds,6:F2}s  {Label(statement)}"));
    }

    var seconds = clock.Elapsed.TotalSeconds;
    var rows = Scalar(connection, "SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM conversations)");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows={rows} seconds={seconds:F2} rows_per_s={rows / seconds:F0} vmhwm_kb={PeakRssKb()}"));
    return 0;
}

Console.Error.WriteLine("usage: load <file.ndjson> <db> | count <db> | commits <db> <rows per commit> <commits> | checkpoints <db> <chat rows per checkpoint> <chat rows>");
return 2;

static DuckDBConnection Open(string path)
{
    var connection = new DuckDBConnection($"Data Source={path}");
    connection.Open();
    return connection;
}

static void Execute(DuckDBConnection connection, string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    command.ExecuteNonQuery();
}

static long Scalar(DuckDBConnection connection, string sql)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
}

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

static string PeakRssKb() =>
    File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))?
        .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] ?? "?";
