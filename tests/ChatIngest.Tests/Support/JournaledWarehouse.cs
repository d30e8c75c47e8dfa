using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Tests.Support;

/// <summary>A DuckDB warehouse on a test's own file, opened as the service opens it, and what tests read of it.</summary>
public static class JournaledWarehouse
{
    public static async Task<DuckDbWarehouse> OpenAsync(
        string path, TimeSpan? loadInterval = null, int maxPendingRows = 200_000, int recentKeys = 1_000_000,
        TimeSpan? idleCheckpointAfter = null, int? threads = null, Microsoft.Extensions.Hosting.IHostApplicationLifetime? lifetime = null)
    {
        var options = new WarehouseOptions
        {
            DuckDbThreads = threads,
            DuckDbIdleCheckpointAfter = idleCheckpointAfter ?? TimeSpan.FromHours(1), // checkpoints only when a test asks
            DuckDbPath = path,
            DuckDbLoadInterval = loadInterval ?? TimeSpan.FromMilliseconds(20),
            DuckDbMaxPendingRows = maxPendingRows,
            DuckDbRecentKeys = recentKeys,
        };
        var warehouse = new DuckDbWarehouse(Options.Create(options), TimeProvider.System, NullLogger<DuckDbWarehouse>.Instance, lifetime);
        await warehouse.InitializeAsync(CancellationToken.None);
        return warehouse;
    }

    /// <summary>A journal frame's payload holding <paramref name="records"/>, as the warehouse writes one.</summary>
    public static byte[] Frame(params IngestRecord[] records)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            JournalCodec.Write(writer, [.. records.Select(r => new JournalEntry(r, PublicationOnly: false))]);
        }

        return buffer.ToArray();
    }

    /// <summary>"conversations orders": the rows in each table, duplicates included.</summary>
    public static string Counts(DuckDbWarehouse warehouse) =>
        (string)Scalar(warehouse, "SELECT (SELECT count(*) FROM conversations) || ' ' || (SELECT count(*) FROM orders)")!;

    public static object? Scalar(DuckDbWarehouse warehouse, string sql)
    {
        using var connection = warehouse.OpenRead();
        return Scalar(connection, sql);
    }

    public static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
