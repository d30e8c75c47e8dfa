using System.Net;
using ChatIngest.Tests.Support;
using Xunit.Abstractions;

namespace ChatIngest.Tests.Reliability;

/// <summary>
/// The disk filling up under the service (a real child process on a real DuckDB file). The full disk is the process's
/// file size limit (<see cref="FileSizeLimit"/>), set and lifted while it runs: writes past it fail as they would on a
/// full disk, with EFBIG instead of ENOSPC, and by default the kernel would also kill the process for them (SIGXFSZ).
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTime Published = new(2024, 2, 1, 10, 1, 0, DateTimeKind.Utc);
    private readonly string directory = TempPaths.NewDirectory();

    private string Database => Path.Combine(directory, "full.duckdb");

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task PushesWhileTheDiskIsFullGet503AndOnceThereIsRoomAreTakenAgainWithEveryAcknowledgedRowStoredOnce()
    {
        PushLoad load;
        await using (var service = await ServiceProcess.StartAsync(Database, new Dictionary<string, string>
        {
            ["Ingest__CommitRetryBudget"] = "00:00:00.300", // 503 soon, not after 4 s of retries
        }))
        {
            // Some thousand pushes fill the journal's segment; the spare segment, prepared from 1 MiB on, cannot be
            // written.
            FileSizeLimit.Set(service.Id, 1536 * 1024);
            load = new PushLoad(service.Client, clients: 8);
            await load.WaitForRefusedAsync(20);
            var acknowledgedWhileFull = load.Acknowledged.Count;
            output.WriteLine($"{acknowledgedWhileFull} acknowledged and {load.Refused} refused before there was room again");

            Assert.Equal([HttpStatusCode.ServiceUnavailable], load.RefusedWith);
            Assert.Contains("Could not prepare a spare journal segment", service.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("invalidated", service.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Database + ".journal.spare.tmp"), "the spare's failed preparation left its file on the full disk");

            FileSizeLimit.Lift(service.Id);
            await load.WaitForAcknowledgedAsync(acknowledgedWhileFull + 1000);

            service.Signal(ServiceProcess.SigTerm);
            Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            await load.StoppedAsync();
        }

        var stored = DuckDbFile.ConversationOrderIds(Database);
        load.AssertEveryAcknowledgedIn(stored);
        Assert.Equal(stored.Count, DuckDbFile.ConversationRowCount(Database));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ACheckpointIsPutOffWhileTheDiskHasNoRoomForItReadsGoOnAndNoRestartIsNeeded(bool stopBeforeThereIsRoom)
    {
        var orderIds = Enumerable.Range(1, 300).Select(i => 700_000_000L + i).ToList();
        await using (var service = await ServiceProcess.StartAsync(Database, new Dictionary<string, string>
        {
            ["Warehouse__DuckDbIdleCheckpointAfter"] = "00:00:03",
        }))
        {
            foreach (var orderId in orderIds)
            {
                using var pushed = await service.Client.PushAsync(Payloads.CourierStart(orderId), $"full-{orderId}", Published);
                Assert.Equal(HttpStatusCode.NoContent, pushed.StatusCode);
            }

            // A read returns once every acknowledged row is in the tables: then nothing waits to be loaded, and only
            // the idle checkpoint, due 3 s after the last load, would write to the database file. Before checkpoints
            // were put off, this one found the disk full: DuckDB invalidated the database, and the service stopped
            // itself with exit code 1.
            using (var read = await service.Client.GetAsync("/conversations?limit=1"))
            {
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            }

            var walBefore = DuckDbFile.WalBytes(Database);
            Assert.True(walBefore > 0, "the pushes left nothing in DuckDB's WAL for a checkpoint to fold in");
            FileSizeLimit.Set(service.Id, 64 * 1024);
            await Wait.UntilAsync(() => service.Output.Contains("DuckDB checkpoint put off", StringComparison.Ordinal)
                || service.Output.Contains("invalidated", StringComparison.Ordinal), "the checkpoint being put off");
            Assert.DoesNotContain("invalidated", service.Output, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the checkpointer finds it due again every 250 ms meanwhile

            var rows = await ViewReader.ReadAllAsync(service.Client);
            Assert.Equal(orderIds, rows.Select(r => r.OrderId).Order());
            Assert.Equal(walBefore, DuckDbFile.WalBytes(Database)); // not folded in: no checkpoint ran

            if (!stopBeforeThereIsRoom)
            {
                FileSizeLimit.Lift(service.Id);
                await Wait.UntilAsync(() => DuckDbFile.WalBytes(Database) == 0, "the checkpoint once there was room");
                // Logged before the checkpoint ran, but the console logger writes from a queue: the line may come after.
                await Wait.UntilAsync(() => service.Output.Contains("room for a DuckDB checkpoint", StringComparison.Ordinal), "event 211");
            }

            service.Signal(ServiceProcess.SigTerm);
            Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.DoesNotContain("invalidated", service.Output, StringComparison.Ordinal);
        }

        await using (var restarted = await ServiceProcess.StartAsync(Database))
        {
            var rows = await ViewReader.ReadAllAsync(restarted.Client);
            Assert.Equal(orderIds, rows.Select(r => r.OrderId).Order());
            restarted.Signal(ServiceProcess.SigTerm);
            Assert.Equal(0, await restarted.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        }

        Assert.Equal(orderIds.Count, DuckDbFile.ConversationRowCount(Database));
    }
}
