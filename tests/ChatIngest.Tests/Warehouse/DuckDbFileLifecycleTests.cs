using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
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
public sealed class DuckDbFileLifecycleTests : WarehouseFileTests
{
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
    public async Task BytesShapedAsAFrameInARecycledSegmentsOldDataAreNotLoadedAsOne()
    {
        // A released segment is recycled as the next spare with its old frames in it, and a dead letter's data in one of
        // them is whatever a publisher sent. Shaped as a frame whose check is its CRC XOR the new generation (format 2's
        // salt), placed where the new segment's last frame ends, it was loaded at the next open: an order nobody pushed.
        using (await OpenAsync()) // generation 1
        {
        }

        var forged = Frame(Classify(Payloads.Order(999, "FORGED"), "forged"));
        var embedded = new byte[8 + forged.Length];
        BinaryPrimitives.WriteInt32LittleEndian(embedded, forged.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(embedded.AsSpan(4), Crc32.HashToUInt32(forged) ^ 2u); // for generation 2
        forged.CopyTo(embedded, 8);
        const int dataBytes = 12_000;
        var dataStart = DuckDbJournal.HeaderBytes + 8 + Frame(DeadLetter("attacker", new byte[dataBytes])).Length - dataBytes; // data is the last field
        var data = new byte[dataBytes];
        embedded.CopyTo(data, 8192 - dataStart); // at 8192 in the old segment
        var elsewhere = Path.Combine(Folder, "old");
        Directory.CreateDirectory(elsewhere);
        using (var old = DuckDbJournal.Create(Path.Combine(elsewhere, "o.duckdb"), lastGeneration: -1))
        {
            old.Append(Frame(DeadLetter("attacker", data)));
        }

        File.Move(DuckDbJournal.List(Path.Combine(elsewhere, "o.duckdb")).Single().Path, Database + ".journal.spare");
        using (var warehouse = await OpenAsync()) // generation 2 is the recycled spare
        {
            var padBytes = 100 + (8192 - DuckDbJournal.HeaderBytes - 8 - Frame(DeadLetter("pad", new byte[100])).Length);
            await warehouse.WriteAsync([DeadLetter("pad", new byte[padBytes])], CancellationToken.None); // ends at 8192
            Assert.Equal(2, DuckDbJournal.List(Database).Max(s => s.Generation));
        }

        using var reopened = await OpenAsync();
        Assert.Equal("0 0", Counts(reopened));
    }

    [Fact]
    public async Task AFileOfAnEarlierVersionGetsAJournalFrameKeyOnceAndKeepsIt()
    {
        using (var old = new DuckDBConnection($"Data Source={Database}"))
        {
            old.Open();
            DuckDbWarehouse.Execute(old, "CREATE TABLE ingest_journal (generation BIGINT NOT NULL, loaded_to BIGINT NOT NULL); INSERT INTO ingest_journal VALUES (0, 0);");
        }

        string? Key(DuckDbWarehouse w) => Scalar(w, "SELECT hex(frame_key) FROM ingest_journal") as string;
        string? first;
        using (var upgraded = await OpenAsync())
        {
            await upgraded.WriteAsync([Classify(Payloads.CourierStart(1), "k1")], CancellationToken.None);
            first = Key(upgraded);
        }

        using var reopened = await OpenAsync();
        Assert.Equal(64, first?.Length); // 32 random bytes
        Assert.Equal(first, Key(reopened));
        Assert.Equal("1 0", Counts(reopened));
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
}
