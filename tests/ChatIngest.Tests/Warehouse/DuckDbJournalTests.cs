using System.Globalization;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static ChatIngest.Tests.Support.IngestRecords;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The journal in front of the DuckDB tables: a write is durable once journaled, the loader moves it into the tables
/// exactly once (also after a crash, also with a torn last frame), reads see every acknowledged row, a loader that
/// falls behind turns into refused writes rather than unbounded memory, and files of earlier versions are upgraded.
/// </summary>
public sealed class DuckDbJournalTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    private string Database => Path.Combine(directory, "j.duckdb");

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task ReadSeesAcknowledgedRowsBeforeTheLoadIntervalHasPassed()
    {
        using var warehouse = await OpenAsync(loadInterval: TimeSpan.FromMinutes(1));
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "1"), Classify(Payloads.Order(1, "IST"), "2")], CancellationToken.None);

        var row = await warehouse.GetConversationAsync(1, CancellationToken.None);

        Assert.Equal("IST", row?.CityCode);
    }

    [Fact]
    public async Task TextThatIsNotAsciiReachesTheTablesAsWritten()
    {
        using var warehouse = await OpenAsync();
        await warehouse.WriteAsync(
            [Classify(Payloads.CourierStart(1, stage: "YOLDA_ÇIKIŞ_🚲"), "1"), Classify(Payloads.Order(1, "İSTANBUL"), "2")],
            CancellationToken.None);

        var row = await warehouse.GetConversationAsync(1, CancellationToken.None);

        Assert.Equal(("İSTANBUL", "YOLDA_ÇIKIŞ_🚲"), (row?.CityCode, row?.LastMessageOrderStage));
        Assert.Equal("Courier Android Courier", (string?)Scalar(warehouse, "SELECT sender_app_type || ' ' || sender_role FROM conversations"));
    }

    [Fact]
    public async Task AcknowledgedRowsReachTheTablesWithinTheLoadIntervalWithoutARead()
    {
        using var warehouse = await OpenAsync(loadInterval: TimeSpan.FromMilliseconds(50));
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "1"), Classify(Payloads.Order(1, "IST"), "2")], CancellationToken.None);

        for (var i = 0; i < 500 && warehouse.Loader!.PendingRows > 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, warehouse.Loader!.PendingRows);
    }

    [Fact]
    public async Task RowsOfALoadUnderWayStillCountAsPendingUntilTheyAreInTheTables()
    {
        using var warehouse = await OpenAsync(maxPendingRows: 100);
        var loader = warehouse.Loader!;
        using (new LoaderStall(loader)) // the load takes the rows, then waits for the database
        {
            await warehouse.WriteAsync([.. Enumerable.Range(0, 100).Select(i => Classify(Payloads.CourierStart(300_000 + i), $"p{i}"))], CancellationToken.None);
            loader.WaitForRoom(1, TimeSpan.FromSeconds(30)); // room again: the load under way has taken all 100 rows

            Assert.Equal(100, loader.PendingRows);
        }

        warehouse.Flush();
        Assert.Equal(0, loader.PendingRows);
    }

    [Fact]
    public async Task ARowGroupsWorthOfPendingRowsIsLoadedBeforeTheIntervalIsUp()
    {
        using var warehouse = await OpenAsync(loadInterval: TimeSpan.FromMinutes(1), maxPendingRows: 400_000);
        for (var batch = 0; batch < 25; batch++)
        {
            await warehouse.WriteAsync([.. Enumerable.Range(batch * 5_000, 5_000).Select(Chat)], CancellationToken.None);
        }

        // 125,000 rows: more than a row group (122,880), less than half the pending limit.
        for (var i = 0; i < 3_000 && warehouse.Loader!.PendingRows >= 122_880; i++)
        {
            await Task.Delay(10);
        }

        Assert.InRange(warehouse.Loader!.PendingRows, 0, 122_879);

        static ChatMessageRecord Chat(int i) => new(
            new Delivery($"g{i}", Published, Published), Key: i.ToString("x32", CultureInfo.InvariantCulture), OrderId: 1_000_000 + i,
            SenderRole.Courier, "Courier Android", Published, ChatStartedByMessage: true, "ACCEPTED", 11, 22, 11, 22);
    }

    [Fact]
    public async Task JournaledFramesAreLoadedAtOpenOnceAndATornLastFrameIsCutOff()
    {
        using (await OpenAsync())
        {
        }

        var generation = DuckDbJournal.List(Database).Single().Generation;
        long whole; // where the two whole frames end (written directly, zeros follow to the block's end)
        using (var journal = DuckDbJournal.Create(Database, generation))
        {
            journal.Append(Frame(Classify(Payloads.CourierStart(5), "a"), Classify(Payloads.Order(5, "IST"), "b")));
            whole = journal.Append(Frame(Classify(Payloads.Chat(5, "Customer iOS", "2024-02-01T10:01:00Z"), "c"))).Offset;
        }

        var segment = DuckDbJournal.List(Database)[^1];
        await using (var file = new FileStream(segment.Path, FileMode.Open, FileAccess.Write))
        {
            file.Position = whole;
            var torn = Frame(Classify(Payloads.CourierStart(6), "d"));
            await file.WriteAsync(BitConverter.GetBytes(torn.Length));
            await file.WriteAsync(torn.AsMemory(0, torn.Length / 2)); // the crash came mid-write: never acknowledged
        }

        var copy = new DuckDbJournal.Segment(segment.Generation, Path.Combine(directory, "copy-of-segment"));
        File.Copy(segment.Path, copy.Path);
        Assert.Equal(2, DuckDbJournal.ReadFrames(copy, 0).Count());
        Assert.Equal(whole, new FileInfo(copy.Path).Length); // the torn frame was cut off

        for (var open = 0; open < 2; open++)
        {
            using var warehouse = await OpenAsync();
            Assert.Equal("2 1", Counts(warehouse));
        }
    }

    [Fact]
    public async Task AFrameDamagedMidSegmentLosesOnlyItselfAndTheSegmentIsKeptAsideForALook()
    {
        using (await OpenAsync())
        {
        }

        var generation = DuckDbJournal.List(Database).Single().Generation;
        long damagedAt;
        using (var journal = DuckDbJournal.Create(Database, generation))
        {
            damagedAt = journal.Append(Frame(Classify(Payloads.CourierStart(7), "a"), Classify(Payloads.Order(7, "IST"), "b"))).Offset;
            journal.Append(Frame(Classify(Payloads.Chat(7, "Customer iOS", "2024-02-01T10:01:00Z"), "c")));
            journal.Append(Frame(Classify(Payloads.Chat(7, "Customer iOS", "2024-02-01T10:02:00Z"), "d")));
        }

        var segment = DuckDbJournal.List(Database)[^1];
        await using (var file = new FileStream(segment.Path, FileMode.Open, FileAccess.Write))
        {
            file.Position = damagedAt + 20; // inside the second frame's payload
            await file.WriteAsync(new byte[] { 0xFF, 0x00, 0xFF });
        }

        using (var warehouse = await OpenAsync())
        {
            Assert.Equal("2 1", Counts(warehouse)); // a, d and the order: the frames after the damaged one are loaded
        }

        Assert.True(File.Exists(segment.Path + ".damaged"), "the damaged segment was not kept");
    }

    [Fact]
    public async Task ADatabaseDuckDbInvalidatedStopsTheServiceReadsFailAtOnceAndTheRowsWaitInTheJournal()
    {
        var lifetime = new StoppingLifetime();
        var warehouse = await OpenAsync(lifetime: lifetime);
        using (warehouse)
        {
            await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "a")], CancellationToken.None);
            warehouse.Flush();
            // What DuckDB answers once a checkpoint could not write (the disk full), until the database is reopened.
            warehouse.Loader!.FaultBeforeLoad = () => throw new InvalidOperationException(
                "FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again.");
            await warehouse.WriteAsync([Classify(Payloads.CourierStart(2), "b")], CancellationToken.None); // journaled: acknowledged

            await Wait.UntilAsync(() => lifetime.StopRequested, "the service was not asked to stop");
            Assert.True(warehouse.Invalidated);
            var read = await Assert.ThrowsAsync<WarehouseUnavailableException>(() => warehouse.GetStatsAsync(new StatsQuery(), CancellationToken.None));
            Assert.Contains("invalidated", read.Message, StringComparison.Ordinal);
        }

        Assert.True(warehouse.Invalidated, "forgotten once the host disposed it: the service's exit code would be 0, not 1");
        using var reopened = await OpenAsync();
        Assert.Equal("2 0", Counts(reopened)); // the restart loads what was acknowledged
    }

    [Fact]
    public async Task AReadWhileLoadsKeepFailingIsRefusedWithTheCauseAndSeesEveryRowOnceLoadsWorkAgain()
    {
        using var warehouse = await OpenAsync();
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "a")], CancellationToken.None);
        warehouse.Flush();
        var loadsFail = true;
        warehouse.Loader!.FaultBeforeLoad = () =>
        {
            if (Volatile.Read(ref loadsFail))
            {
                throw new IOException("No space left on device");
            }
        };
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(2), "b")], CancellationToken.None); // journaled: acknowledged

        // Not the timeout's "in time" (30 s): the cause, once three loads in a row have failed.
        var read = await Assert.ThrowsAsync<WarehouseUnavailableException>(() => warehouse.GetStatsAsync(new StatsQuery(), CancellationToken.None));
        Assert.Equal("Acknowledged rows could not be loaded into DuckDB: No space left on device", read.Message);

        Volatile.Write(ref loadsFail, false);
        Assert.Equal("2 0", Counts(warehouse)); // the loader tried again: the read waits for the row as before
    }

    /// <summary>Records the warehouse asking the host to stop.</summary>
    private sealed class StoppingLifetime : Microsoft.Extensions.Hosting.IHostApplicationLifetime
    {
        public bool StopRequested { get; private set; }

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => StopRequested = true;
    }

    [Fact]
    public async Task LoaderFallingBehindMakesWritesFailInsteadOfQueueingWithoutBound()
    {
        using var warehouse = await OpenAsync(maxPendingRows: 1_000);
        var loader = warehouse.Loader!;
        var next = 0;
        IngestRecord[] Batch(int n) => [.. Enumerable.Range(0, n).Select(_ => Classify(Payloads.CourierStart(100_000 + ++next), $"m{next}"))];

        var acknowledged = 0;
        WarehouseUnavailableException? refused = null;
        using (var stall = new LoaderStall(loader)) // a checkpoint or a slow disk holds the loader
        {
            while (refused is null && acknowledged < 5_000)
            {
                try
                {
                    acknowledged += (await warehouse.WriteAsync(Batch(100), CancellationToken.None)).Length;
                }
                catch (WarehouseUnavailableException e)
                {
                    refused = e;
                }
            }
        }

        Assert.NotNull(refused);
        Assert.InRange(acknowledged, 1_000, 2_000); // the pending rows, plus the one batch the stalled loader holds
        Assert.Equal(RowOutcome.Stored, (await warehouse.WriteAsync(Batch(100), CancellationToken.None))[0]); // room again
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{acknowledged + 100} 0"), Counts(warehouse));
    }

    [Fact]
    public async Task LoadsThatFailedForWantOfMemoryAreLoadedOnceDuckDbHasRoomAgain()
    {
        using var warehouse = await OpenAsync();
        for (var batch = 0; batch < 20; batch++)
        {
            await warehouse.WriteAsync([.. Enumerable.Range(batch * 5_000, 5_000).Select(i => Classify(Payloads.CourierStart(i + 1), $"o{i}"))], CancellationToken.None);
            warehouse.Flush();
        }

        var limit = (string)Scalar(warehouse, "SELECT current_setting('memory_limit')")!;
        using var admin = new DuckDBConnection($"Data Source={Database}"); // the same database instance as the warehouse
        admin.Open();
        Scalar(admin, "SET memory_limit = '8MB'");

        await warehouse.WriteAsync([.. Enumerable.Range(0, 5_000).Select(i => Classify(Payloads.CourierStart(200_000 + i), $"n{i}"))], CancellationToken.None);
        await Task.Delay(500); // the loads fail meanwhile
        Assert.Equal(5_000, warehouse.Loader!.PendingRows);

        Scalar(admin, $"SET memory_limit = '{limit}'");
        Assert.Equal("105000 0", Counts(warehouse)); // a read waits for the loader, which retries
    }

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

    private async Task<DuckDbWarehouse> OpenAsync(
        TimeSpan? loadInterval = null, int maxPendingRows = 200_000, int recentKeys = 1_000_000, TimeSpan? idleCheckpointAfter = null, int? threads = null,
        Microsoft.Extensions.Hosting.IHostApplicationLifetime? lifetime = null)
    {
        var options = new WarehouseOptions
        {
            DuckDbThreads = threads,
            DuckDbIdleCheckpointAfter = idleCheckpointAfter ?? TimeSpan.FromHours(1), // checkpoints only when a test asks
            DuckDbPath = Database,
            DuckDbLoadInterval = loadInterval ?? TimeSpan.FromMilliseconds(20),
            DuckDbMaxPendingRows = maxPendingRows,
            DuckDbRecentKeys = recentKeys,
        };
        var warehouse = new DuckDbWarehouse(Options.Create(options), TimeProvider.System, NullLogger<DuckDbWarehouse>.Instance, lifetime);
        await warehouse.InitializeAsync(CancellationToken.None);
        return warehouse;
    }

    /// <summary>Holds the loader's connection lock on a thread of its own until disposed.</summary>
    private sealed class LoaderStall : IDisposable
    {
        private readonly ManualResetEventSlim release = new();
        private readonly Thread holder;

        public LoaderStall(DuckDbLoader loader)
        {
            using var held = new ManualResetEventSlim();
            holder = new Thread(() =>
            {
                lock (loader.Database)
                {
                    held.Set();
                    release.Wait();
                }
            });
            holder.Start();
            held.Wait();
        }

        public void Dispose()
        {
            release.Set();
            holder.Join();
            release.Dispose();
        }
    }

    private static byte[] Frame(params IngestRecord[] records)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            JournalCodec.Write(writer, [.. records.Select(r => new JournalEntry(r, PublicationOnly: false))]);
        }

        return buffer.ToArray();
    }

    private static string Counts(DuckDbWarehouse warehouse) =>
        (string)Scalar(warehouse, "SELECT (SELECT count(*) FROM conversations) || ' ' || (SELECT count(*) FROM orders)")!;

    private static object? Scalar(DuckDbWarehouse warehouse, string sql)
    {
        using var connection = warehouse.OpenRead();
        return Scalar(connection, sql);
    }

    private static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
