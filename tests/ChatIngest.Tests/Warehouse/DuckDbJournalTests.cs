using System.Globalization;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using static ChatIngest.Tests.Support.IngestRecords;
using static ChatIngest.Tests.Support.JournaledWarehouse;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// The journal in front of the DuckDB tables: a write is durable once journaled, the loader moves it into the tables
/// exactly once (also after a crash, also with a torn last frame), and reads see every acknowledged row. A loader that
/// falls behind or fails: <see cref="DuckDbLoaderFaultTests"/>.
/// </summary>
public sealed class DuckDbJournalTests : WarehouseFileTests
{
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
    public async Task AcknowledgedRowsReachTheTablesWithoutARead()
    {
        using var warehouse = await OpenAsync(loadInterval: TimeSpan.FromMilliseconds(50));
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "1"), Classify(Payloads.Order(1, "IST"), "2")], CancellationToken.None);

        await Wait.UntilAsync(() => warehouse.Loader!.PendingRows == 0, "the loader to load the rows by itself");
    }

    [Fact]
    public async Task RowsOfALoadUnderWayStillCountAsPendingUntilTheyAreInTheTables()
    {
        using var warehouse = await OpenAsync(maxPendingRows: 100);
        var loader = warehouse.Loader!;
        using (new LoaderStall(loader)) // the load takes the rows, then waits for the database
        {
            await warehouse.WriteAsync([.. Enumerable.Range(0, 100).Select(i => Classify(Payloads.CourierStart(300_000 + i), $"p{i}"))], CancellationToken.None);
            loader.WaitForRoom(1, 0, TimeSpan.FromSeconds(30)); // room again: the load under way has taken all 100 rows

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

        var copy = new DuckDbJournal.Segment(segment.Generation, Path.Combine(Folder, "copy-of-segment"));
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
    public async Task ASegmentWithADamagedHeaderWhoseCopyCannotBeMadeIsLoadedAndReleasedAndTheNextStartOpensToo()
    {
        // The copy kept for a look fails (a full disk, here a directory in its place): start-up failed, and then failed
        // the same way at every start, the segment never released, with nothing left in it to load.
        using (await OpenAsync())
        {
        }

        var generation = DuckDbJournal.List(Database).Single().Generation;
        using (var journal = DuckDbJournal.Create(Database, generation))
        {
            journal.Append(Frame(Classify(Payloads.CourierStart(7), "a"), Classify(Payloads.Order(7, "IST"), "b")));
            journal.Append(Frame(Classify(Payloads.Chat(7, "Customer iOS", "2024-02-01T10:01:00Z"), "c")));
        }

        var segment = DuckDbJournal.List(Database)[^1];
        await using (var file = new FileStream(segment.Path, FileMode.Open, FileAccess.Write))
        {
            await file.WriteAsync(new byte[8]); // the header's first bytes
        }

        Directory.CreateDirectory(segment.Path + ".damaged");

        using (var warehouse = await OpenAsync())
        {
            Assert.Equal("2 1", Counts(warehouse));
        }

        Assert.DoesNotContain(DuckDbJournal.List(Database), s => s.Path == segment.Path);
        using var again = await OpenAsync();
        Assert.Equal("2 1", Counts(again));
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
}
