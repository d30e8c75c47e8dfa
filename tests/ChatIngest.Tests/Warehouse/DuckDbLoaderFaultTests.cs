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
/// The loader falling behind or failing: writes are refused (503) once pending rows pass their bound in count or in
/// bytes, rather than queueing without one; a hand-over, a release or a load that fails neither acknowledges a row no
/// load will bring nor loads one twice.
/// </summary>
public sealed class DuckDbLoaderFaultTests : WarehouseFileTests
{
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
    public async Task LoadsThatKeepFailingAdmitNoMoreRowsAfterTheFirstFailureThanTheBoundLetsWaitBehindIt()
    {
        // Each load fails after 2.5 s (DuckDB failing slowly), longer than a write waits for room (2 s): a write waiting
        // when a retry starts wakes while the retry runs, and would find room if the retry had taken the rows waiting
        // behind it (as a merged retry did). The rows the first load held, and those let in behind them while it ran,
        // are all a failing loader may hold.
        using var warehouse = await OpenAsync(maxPendingRows: 1_000);
        var loader = warehouse.Loader!;
        var (attempts, healed) = (0, false);
        loader.FaultBeforeLoad = () =>
        {
            Interlocked.Increment(ref attempts);
            Thread.Sleep(2_500);
            if (!Volatile.Read(ref healed))
            {
                throw new IOException("the disk failed the load");
            }
        };
        var next = 0;
        IngestRecord[] Batch(int n) => [.. Enumerable.Range(0, n).Select(_ => Classify(Payloads.CourierStart(300_000 + ++next), $"f{next}"))];

        var acknowledged = 0;
        while (Volatile.Read(ref attempts) < 4) // the first load and three retries
        {
            try
            {
                acknowledged += (await warehouse.WriteAsync(Batch(100), CancellationToken.None)).Length;
            }
            catch (WarehouseUnavailableException)
            {
                // refused for want of room: what this test wants once the bound is reached; keep asking
            }
        }

        Assert.InRange(acknowledged, 1_000, 2 * (1_000 + 100)); // without the retry's rows counted: ~1,000 more a retry
        Volatile.Write(ref healed, true); // the retry under way loads them
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{acknowledged} 0"), Counts(warehouse)); // all loaded once
    }

    [Fact]
    public async Task LargeRowsMakeWritesFailOnceTheirBytesWouldPassTheBoundNotOnlyTheirCount()
    {
        // Rows may be of any size (a dead letter keeps up to 10 MB): 1,000 rows of 8 MB would have been 8 GB waiting.
        using var warehouse = await OpenAsync(maxPendingRows: 1_000); // bytes bound: the 64 MB floor
        var loader = warehouse.Loader!;
        var large = new string('x', 8 << 20);
        var acknowledged = 0;
        WarehouseUnavailableException? refused = null;
        using (new LoaderStall(loader))
        {
            while (refused is null && acknowledged < 100)
            {
                try
                {
                    acknowledged += (await warehouse.WriteAsync([Classify(large, $"big-{acknowledged}")], CancellationToken.None)).Length;
                }
                catch (WarehouseUnavailableException e)
                {
                    refused = e;
                }
            }
        }

        Assert.NotNull(refused);
        Assert.Contains("bytes", refused.Message, StringComparison.Ordinal);
        Assert.InRange(acknowledged, 8, 16); // 64 MB pending, plus the one the stalled load holds
        warehouse.Flush();
        Assert.Equal((long)acknowledged, Scalar(warehouse, "SELECT count(*) FROM dead_letters"));
    }

    [Fact]
    public void PendingBytesAtTheirBoundFitOneBuffer()
    {
        // Pending rows may be at the bound with one more frame past it (any write fits when nothing is pending; a dead
        // letter's frame is up to ~10 MB), and their buffer grows a quarter more than it needs. For any row limit: the
        // options validator's largest (10,000,000 rows) was 2.56 GB of bytes.
        var bound = DuckDbLoader.MaxPendingBytesFor(int.MaxValue);
        var largestFrame = 11L << 20;

        Assert.True((bound + largestFrame) * 5 / 4 <= Array.MaxLength, $"{bound:N0} bytes pending outgrow one array");
        // The default rows (400,000) at 256 bytes, as the README gives the bound: the clamp leaves it be.
        Assert.Equal(102_400_000, DuckDbLoader.MaxPendingBytesFor(new WarehouseOptions().DuckDbMaxPendingRows));
    }

    [Fact]
    public async Task AWriteWhoseHandOverToTheLoaderFailsIsStoredByItsRetryNotAcknowledgedAsADuplicate()
    {
        // The frame is in the journal, but the loader never got it (no memory to copy it): the write fails, and the
        // retry must store the row, not find it a "duplicate" of that frame and acknowledge a row no load will bring.
        using (var warehouse = await OpenAsync())
        {
            var failures = 1;
            warehouse.Loader!.FaultOnEnqueue = () =>
            {
                if (Interlocked.Exchange(ref failures, 0) == 1)
                {
                    throw new OutOfMemoryException("no room to hand the frame over");
                }
            };
            var record = Classify(Payloads.CourierStart(7), "m-7");

            await Assert.ThrowsAsync<OutOfMemoryException>(() => warehouse.WriteAsync([record], CancellationToken.None));
            var retried = await warehouse.WriteAsync([record], CancellationToken.None);

            Assert.Equal([RowOutcome.Stored], retried);
            warehouse.Flush();
            Assert.Equal("1 0", Counts(warehouse));
        }

        using var reopened = await OpenAsync();
        Assert.Equal(1, (await reopened.GetConversationAsync(7, CancellationToken.None))?.NumMessagesCourier);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SegmentsThatCannotBeReleasedAfterALoadDoNotMakeItLoadTheSameRowsAgain(bool outOfMemory)
    {
        // The load committed; only deleting or recycling the loaded segments failed (EMFILE, EIO, EACCES, or the
        // runtime's out of memory on the way).
        using var warehouse = await OpenAsync();
        var loader = warehouse.Loader!;
        loader.FaultOnRelease = () => throw (outOfMemory ? new OutOfMemoryException("on the way to the release") : new IOException("Too many open files"));

        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "r1")], CancellationToken.None);
        warehouse.Flush();
        await Task.Delay(300); // a load retried as failed would have appended the row again by now
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(2), "r2")], CancellationToken.None);
        warehouse.Flush();
        var whileFailing = Counts(warehouse);
        loader.FaultOnRelease = null;
        await warehouse.WriteAsync([Classify(Payloads.CourierStart(3), "r3")], CancellationToken.None);
        warehouse.Flush();

        Assert.Equal(("2 0", "3 0"), (whileFailing, Counts(warehouse)));
    }

    [Fact]
    public async Task ALoadThatFailsWithAnErrorOfTheRuntimeIsTriedAgainInsteadOfEndingTheProcess()
    {
        // Out of managed memory in the appender, say: unhandled on the loader's thread it ended the process (and the test
        // run), with every push in flight.
        using var warehouse = await OpenAsync();
        var failuresLeft = 1;
        warehouse.Loader!.FaultBeforeLoad = () =>
        {
            if (Interlocked.Exchange(ref failuresLeft, 0) == 1)
            {
                throw new OutOfMemoryException("the appender's buffer");
            }
        };

        await warehouse.WriteAsync([Classify(Payloads.CourierStart(1), "a")], CancellationToken.None);

        Assert.Equal("1 0", Counts(warehouse));
        Assert.Equal(1, warehouse.Loader.FailedLoadsEver);
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
        await Wait.UntilAsync(() => warehouse.Loader!.FailedLoadsEver > 0, "a load to fail for want of memory");
        Assert.Equal(5_000, warehouse.Loader!.PendingRows);

        Scalar(admin, $"SET memory_limit = '{limit}'");
        Assert.Equal("105000 0", Counts(warehouse)); // a read waits for the loader, which retries
    }
}
