using System.Globalization;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using DuckDB.NET.Data;
using static ChatIngest.Tests.Support.IngestRecords;
using static ChatIngest.Tests.Support.JournaledWarehouse;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// What a warehouse file keeps across checkpoints, restarts and versions: a checkpoint gives back the tables' memory and
/// leaves DuckDB's settings alone, the newest rows stay known as duplicates after a restart, and files and views of
/// earlier versions are upgraded at open without losing rows or writing when nothing changed.
/// </summary>
public sealed class DuckDbFileLifecycleTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    private string Database => Path.Combine(directory, "j.duckdb");

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task AfterACheckpointLittleOfTheTablesStaysInMemoryAndTheMemoryLimitIsAsBefore()
    {
        using var warehouse = await OpenAsync(idleCheckpointAfter: TimeSpan.Zero);
        async Task WriteAsync(int first, int batches)
        {
            for (var batch = 0; batch < batches; batch++) // loads of a few thousand rows, as under push load
            {
                await warehouse.WriteAsync([.. Enumerable.Range(first + (batch * 5_000), 5_000).Select(i => Classify(Payloads.CourierStart(i), $"c{i}"))], CancellationToken.None);
                warehouse.Flush();
            }
        }

        await WriteAsync(first: 1, batches: 60);
        const string tableMemory = "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT FROM duckdb_memory() WHERE tag IN ('BASE_TABLE', 'IN_MEMORY_TABLE')";
        var before = (long)Scalar(warehouse, tableMemory)!; // the rows loaded since the last checkpoint

        Assert.True(warehouse.CheckpointIfDue());

        var after = (long)Scalar(warehouse, tableMemory)!;
        Assert.True(before > 32 << 20 && after < 16 << 20, $"DuckDB holds {after} bytes of table blocks, {before} before the checkpoint");
        await WriteAsync(first: 1_000_001, batches: 60); // as much again: DuckDB's memory limit is what it was, not the trim's
        Assert.Equal("600000 0", Counts(warehouse));
    }

    [Fact]
    public async Task CheckpointLeavesDuckDbsThreadSettingAsItWas()
    {
        // The checkpoint runs on one DuckDB thread (its buffers were the process's memory peaks); reads after it
        // must get the threads they had.
        using var warehouse = await OpenAsync(idleCheckpointAfter: TimeSpan.Zero, threads: 3);
        await warehouse.WriteAsync([.. Enumerable.Range(1, 1_000).Select(i => Classify(Payloads.CourierStart(i), $"t{i}"))], CancellationToken.None);
        warehouse.Flush();

        Assert.True(warehouse.CheckpointIfDue());

        Assert.Equal(3L, Convert.ToInt64(Scalar(warehouse, "SELECT current_setting('threads')"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CopyOlderThanTheRecentKeysIsStoredAgainAndTheViewStillCountsItOnce()
    {
        using var warehouse = await OpenAsync(recentKeys: 1_000);
        var first = await warehouse.WriteAsync([Classify(Payloads.CourierStart(7), "x1")], CancellationToken.None);
        await warehouse.WriteAsync([.. Enumerable.Range(0, 2_000).Select(i => Classify(Payloads.CourierStart(1_000 + i), $"f{i}"))], CancellationToken.None);

        var again = await warehouse.WriteAsync([Classify(Payloads.CourierStart(7), "x2")], CancellationToken.None);
        var recent = await warehouse.WriteAsync([Classify(Payloads.CourierStart(7), "x3")], CancellationToken.None);

        Assert.Equal([RowOutcome.Stored, RowOutcome.Stored, RowOutcome.Duplicate], new[] { first[0], again[0], recent[0] });
        Assert.Equal(2L, Scalar(warehouse, "SELECT count(*) FROM conversations WHERE order_id = 7"));
        var row = await warehouse.GetConversationAsync(7, CancellationToken.None);
        Assert.Equal(1, row!.NumMessagesCourier);
    }

    [Fact]
    public async Task AfterARestartTheNewestRowsOfEveryTableAreStillKnownAsDuplicates()
    {
        // 1,000 recent keys: at least the newest 500 rows are known at any time. The newest here are order events,
        // written after 600 chat messages and before 3 dead letters.
        var start = new DateTime(2024, 2, 1, 10, 0, 0, DateTimeKind.Utc);
        IngestRecord Order(int i) => Classify($$"""{"orderId":{{i + 1}},"cityCode":"IST"}""", $"o{i}", start.AddSeconds(1_000 + i));
        using (var warehouse = await OpenAsync(recentKeys: 1_000))
        {
            await warehouse.WriteAsync([.. Enumerable.Range(0, 600).Select(i => Classify(Payloads.CourierStart(5_000 + i), $"c{i}", start.AddSeconds(i)))], CancellationToken.None);
            await warehouse.WriteAsync([.. Enumerable.Range(0, 600).Select(Order)], CancellationToken.None);
            await warehouse.WriteAsync([.. Enumerable.Range(0, 3).Select(i => Classify("[1,2,3]", $"d{i}", start.AddSeconds(2_000 + i)))], CancellationToken.None);
        }

        using var reopened = await OpenAsync(recentKeys: 1_000);
        await reopened.WriteAsync([Classify(Payloads.CourierStart(9_999), "new", start.AddSeconds(3_000))], CancellationToken.None);
        var again = await reopened.WriteAsync([.. Enumerable.Range(500, 100).Select(Order)], CancellationToken.None);

        Assert.All(again, outcome => Assert.Equal(RowOutcome.Duplicate, outcome));
        Assert.Equal(600L, Scalar(reopened, "SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task FileOfAnEarlierVersionLosesItsContentKeyIndexAndKeepsItsRows()
    {
        using (var old = new DuckDBConnection($"Data Source={Database}"))
        {
            old.Open();
            DuckDbWarehouse.Execute(old, SqlScripts.Load("duckdb/tables.sql")
                .Replace("content_key   VARCHAR   NOT NULL", "content_key   VARCHAR   PRIMARY KEY", StringComparison.Ordinal)
                .Replace("content_key              VARCHAR   NOT NULL", "content_key              VARCHAR   PRIMARY KEY", StringComparison.Ordinal));
            DuckDbWarehouse.Execute(old, SqlScripts.Load("duckdb/view.sql"));
            DuckDbWarehouse.Execute(old, "INSERT INTO orders VALUES ('00000000000000000000000000000001', 9, 'IST', '1', now(), now())");
            Assert.Equal(2L, Scalar(old, SqlScripts.Load("duckdb/keyed_tables.sql"))); // orders and conversations
        }

        using var warehouse = await OpenAsync();
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(9), "2")], CancellationToken.None);

        Assert.Equal(0L, Scalar(warehouse, SqlScripts.Load("duckdb/keyed_tables.sql")));
        Assert.Equal("1 1", Counts(warehouse));
        Assert.Equal("IST", (await warehouse.GetConversationAsync(9, CancellationToken.None))?.CityCode);
    }

    [Fact]
    public async Task OpeningAFileWhoseViewIsCurrentWritesNothing()
    {
        using (await OpenAsync())
        {
        }

        // What a start writes would fail it on a full disk (exit code 2) where it could otherwise serve reads.
        using var reopened = await OpenAsync();
        Assert.Equal(0, DuckDbFile.WalBytes(Database));
    }

    [Fact]
    public async Task AViewDefinedFromAnotherVersionOfViewSqlIsDefinedAgainAtOpen()
    {
        using (var old = new DuckDBConnection($"Data Source={Database}"))
        {
            old.Open();
            DuckDbWarehouse.Execute(old, SqlScripts.Load("duckdb/tables.sql"));
            DuckDbWarehouse.Execute(old, "CREATE VIEW customer_courier_conversations AS SELECT 1 AS order_id");
        }

        using var warehouse = await OpenAsync();
        await warehouse.WriteAsync([Classify(Payloads.Order(9, "IST"), "1"), Classify(Payloads.CourierStart(9), "2")], CancellationToken.None);

        Assert.Equal("IST", (await warehouse.GetConversationAsync(9, CancellationToken.None))?.CityCode);
    }

    [Fact]
    public async Task AWriteAfterTheWarehouseIsClosedIsRefusedAndOpensNothing()
    {
        // The writer's drain can outlast the host's shutdown timeout: a write after the close must fail (503), not
        // reopen DuckDB with a journal segment and a loader thread that nothing would ever close.
        var warehouse = await OpenAsync();
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "before")], CancellationToken.None);
        warehouse.Dispose();
        var files = Directory.GetFiles(Path.GetDirectoryName(Database)!).Order().ToList();

        await Assert.ThrowsAsync<WarehouseUnavailableException>(() => warehouse.WriteAsync([Classify(Payloads.CourierStart(2), "after")], CancellationToken.None));

        Assert.Null(warehouse.Loader);
        Assert.Equal(files, Directory.GetFiles(Path.GetDirectoryName(Database)!).Order());
        using var reopened = await OpenAsync();
        Assert.Equal("1 0", Counts(reopened));
    }

    private Task<DuckDbWarehouse> OpenAsync(int recentKeys = 1_000_000, TimeSpan? idleCheckpointAfter = null, int? threads = null) =>
        JournaledWarehouse.OpenAsync(Database, recentKeys: recentKeys, idleCheckpointAfter: idleCheckpointAfter, threads: threads);
}
