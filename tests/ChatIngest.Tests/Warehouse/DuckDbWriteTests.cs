using System.Runtime.CompilerServices;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static ChatIngest.Tests.Support.IngestRecords;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The DuckDB write path: each record is checked against the recent keys, new ones are journaled and loaded, a
/// redelivery is reported as a duplicate and adds no row, and an earlier publication replaces the stored one.
/// </summary>
public sealed class DuckDbWriteTests : IAsyncLifetime
{
    private readonly string directory = TempPaths.NewDirectory();
    private readonly FakeTimeProvider time = new(IngestRecords.Published);
    private readonly DuckDbWarehouse warehouse;

    public DuckDbWriteTests()
    {
        var options = Options.Create(new WarehouseOptions
        {
            DuckDbPath = Path.Combine(directory, "w.duckdb"),
            DuckDbIdleCheckpointAfter = TimeSpan.FromSeconds(1),
            DuckDbLoadInterval = TimeSpan.FromMinutes(1), // loads when a test (or a read) asks, not 250 ms of a slow machine later
        });
        warehouse = new DuckDbWarehouse(options, time, NullLogger<DuckDbWarehouse>.Instance);
    }

    public Task InitializeAsync() => warehouse.InitializeAsync(CancellationToken.None);

    public Task DisposeAsync()
    {
        warehouse.Dispose();
        TempPaths.TryDelete(directory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task BatchHoldingAnAlreadyStoredMessageStoresItsNewRowsAndReportsTheDuplicate()
    {
        Assert.Equal([RowOutcome.Stored, RowOutcome.Stored], await Write(Classify(Payloads.CourierStart(1), "1"), Classify(Payloads.Order(1, "IST"), "2")));

        var outcomes = await Write(Classify(Payloads.CourierStart(2), "3"), Classify(Payloads.CourierStart(1), "4"), Classify(Payloads.Order(2, "IST"), "5"), Classify(Payloads.Order(1, "IST"), "6"));

        Assert.Equal([RowOutcome.Stored, RowOutcome.Duplicate, RowOutcome.Stored, RowOutcome.Duplicate], outcomes);
        Assert.Equal(2, Count("conversations"));
        Assert.Equal(2, Count("orders"));
    }

    [Fact]
    public async Task RedeliveryPublishedEarlierBecomesTheStoredPublication()
    {
        await Write(Classify(Payloads.CourierStart(7), "20", Published.AddSeconds(5)));

        var outcomes = await Write(Classify(Payloads.CourierStart(8), "21", Published.AddSeconds(6)), Classify(Payloads.CourierStart(7), "10", Published.AddSeconds(1)));

        Assert.Equal([RowOutcome.Stored, RowOutcome.Duplicate], outcomes);
        Assert.Equal("10", Scalar("SELECT message_id FROM conversations WHERE order_id = 7"));
        Assert.Equal(2, Count("conversations"));
    }

    [Fact]
    public async Task ManyEarlierPublicationsLoadedTogetherLeaveTheFirstOfEachStored()
    {
        const int messages = 3_000;
        await Write([.. Enumerable.Range(0, messages).Select(i => Classify(Payloads.CourierStart(10_000 + i), $"{i}", Published.AddSeconds(10)))]);

        // Each message twice more, each time published earlier, all before the next read: one load stages both, and
        // the stored row must take the earlier of the two (an UPDATE … FROM matching both took either).
        await Write([.. Enumerable.Range(0, messages).Select(i => Classify(Payloads.CourierStart(10_000 + i), $"{messages + i}", Published.AddSeconds(5)))]);
        await Write([.. Enumerable.Range(0, messages).Select(i => Classify(Payloads.CourierStart(10_000 + i), $"{(2 * messages) + i}", Published.AddSeconds(1)))]);

        var firstPublications = Scalar($"SELECT count(*) FROM conversations WHERE publish_time = TIMESTAMP '{Published.AddSeconds(1):yyyy-MM-dd HH:mm:ss}' AND CAST(message_id AS BIGINT) >= {2 * messages}");
        Assert.Equal(messages, Convert.ToInt64(firstPublications, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(messages, Count("conversations"));
    }

    [Fact]
    public async Task NewMessagesAroundDuplicatesAreEachStoredOnce()
    {
        var expected = 0;
        for (var batch = 0; batch < 40; batch++)
        {
            var records = new List<IngestRecord> { Classify(Payloads.CourierStart(1000 + batch), $"a{batch}"), Classify(Payloads.Order(1000 + batch, "IST"), $"b{batch}") };
            var duplicateAt = batch is 3 or 30;
            if (duplicateAt)
            {
                records.Add(Classify(Payloads.CourierStart(1000), $"again{batch}"));
            }

            var outcomes = await Write([.. records]);

            expected += 2;
            Assert.Equal(duplicateAt ? [RowOutcome.Stored, RowOutcome.Stored, RowOutcome.Duplicate] : new[] { RowOutcome.Stored, RowOutcome.Stored }, outcomes);
        }

        Assert.Equal(expected / 2, Count("conversations"));
        Assert.Equal(expected / 2, Count("orders"));
    }

    [Fact]
    public async Task RedeliveredDeadLetterIsKeptOnce()
    {
        Assert.Equal([RowOutcome.Stored], await Write(Classify("not json", "bad-1")));

        Assert.Equal([RowOutcome.Stored, RowOutcome.Duplicate], await Write(Classify(Payloads.CourierStart(3), "ok-1"), Classify("not json", "bad-1")));
        Assert.Equal(1, Count("dead_letters"));
        Assert.Equal(1, Count("conversations"));
    }

    [Fact]
    public async Task WalIsCheckpointedOnlyOnceWritesPauseAndEveryRowStays()
    {
        await Write(Classify(Payloads.CourierStart(1), "1"), Classify(Payloads.Order(1, "IST"), "2"));
        var wal = new FileInfo(Path.Combine(directory, "w.duckdb.wal"));
        var walBeforeLoad = wal.Exists ? wal.Length : 0; // the schema's, if any: the write is in the journal only
        warehouse.Flush(); // the loader's load, at this clock's time, before it is moved on
        wal.Refresh();
        Assert.True(wal.Exists && wal.Length > walBeforeLoad, "a load leaves its rows in the WAL");

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(warehouse.CheckpointIfDue());

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(warehouse.CheckpointIfDue());

        wal.Refresh();
        Assert.True(!wal.Exists || wal.Length == 0, "the checkpoint folded the WAL into the file");
        Assert.False(warehouse.CheckpointIfDue());
        Assert.Equal(1, Count("conversations"));
        Assert.Equal(1, Count("orders"));
    }

    [Fact]
    public async Task WalPastItsSizeIsCheckpointedWithoutAPauseInWrites()
    {
        // Small loads: a load of a whole row group would bypass the WAL (DuckDB writes it straight to the file).
        var options = new WarehouseOptions { DuckDbPath = Path.Combine(directory, "busy.duckdb"), DuckDbCheckpointWalMegabytes = 1, DuckDbMaxPendingRows = 4_000 };
        using var busy = new DuckDbWarehouse(Options.Create(options), time, NullLogger<DuckDbWarehouse>.Instance);
        await busy.InitializeAsync(CancellationToken.None);
        var wal = new FileInfo(options.DuckDbPath + ".wal");

        var written = 0;
        while (!wal.Exists || wal.Length < 1024 * 1024)
        {
            Assert.False(busy.CheckpointIfDue());
            await busy.WriteAsync([.. Enumerable.Range(written, 1000).Select(i => Classify(Payloads.CourierStart(10_000 + i), $"w{i}"))], CancellationToken.None);
            busy.Flush(); // loaded now: no load of the loader's own can take the WAL past its size after it is measured
            written += 1000;
            wal.Refresh();
        }

        Assert.True(busy.CheckpointIfDue()); // no time has passed: the size alone made it due
        wal.Refresh();
        Assert.True(!wal.Exists || wal.Length == 0);
    }

    [Fact]
    public async Task EachTableIsCheckpointedAtItsOwnRowCountSinceTheLastCheckpointWithoutAPauseInWrites()
    {
        var options = new WarehouseOptions
        {
            DuckDbPath = Path.Combine(directory, "rows.duckdb"), DuckDbCheckpointRows = 1_000, DuckDbCheckpointOrderRows = 2_000, DuckDbMaxPendingRows = 4_000,
        };
        using var busy = new DuckDbWarehouse(Options.Create(options), time, NullLogger<DuckDbWarehouse>.Instance);
        await busy.InitializeAsync(CancellationToken.None);
        var next = 0;
        async Task Load(int chats, int orders)
        {
            var records = Enumerable.Range(next, chats).Select(i => Classify(Payloads.CourierStart(20_000 + i), $"c{i}"))
                .Concat(Enumerable.Range(next, orders).Select(i => Classify(Payloads.Order(20_000 + i, "IST"), $"o{i}")));
            await busy.WriteAsync([.. records], CancellationToken.None);
            next += Math.Max(chats, orders);
            busy.Flush(); // in the tables, so the loader has counted them
        }

        await Load(chats: 600, orders: 600);
        Assert.False(busy.CheckpointIfDue()); // 1,200 rows, but neither table has its count; no time has passed

        await Load(chats: 400, orders: 0);
        Assert.True(busy.CheckpointIfDue()); // conversations got 1,000

        await Load(chats: 999, orders: 1_999);
        Assert.False(busy.CheckpointIfDue()); // counted again from the checkpoint: 999 chat messages, 1,999 order events

        await Load(chats: 0, orders: 1);
        Assert.True(busy.CheckpointIfDue()); // orders got 2,000
        var wal = new FileInfo(options.DuckDbPath + ".wal");
        Assert.True(!wal.Exists || wal.Length == 0, "the checkpoint folded the WAL into the file");
    }

    [Fact]
    public void AWrittenRecordIsNotKeptOnceItsWriteReturns()
    {
        var written = WriteDeadLetter(); // a dead letter keeps up to 10 MB: the next write may be long in coming

        Assert.False(Reachability.IsReachable(written), "the warehouse still holds a record it wrote");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference WriteDeadLetter()
    {
        var record = DeadLetter("weak-1", new byte[1000]);
        Assert.Equal([RowOutcome.Stored], warehouse.WriteAsync([record], CancellationToken.None).GetAwaiter().GetResult());
        return new WeakReference(record);
    }

    private Task<RowOutcome[]> Write(params IngestRecord[] records) => warehouse.WriteAsync(records, CancellationToken.None);

    private long Count(string table) => Convert.ToInt64(Scalar($"SELECT count(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture);

    private object? Scalar(string sql)
    {
        using var connection = warehouse.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
