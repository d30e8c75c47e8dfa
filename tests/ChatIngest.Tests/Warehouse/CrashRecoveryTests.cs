using System.Net;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// A 204 is sent once the push is in the synced journal; the loader moves it into the tables later, and checkpoints
/// are deferred further. What a 204 promised must survive the process dying at either stage: the real service as a
/// child process, killed with SIGKILL, then the file opened again.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    [Theory]
    [InlineData(false)] // killed while the rows are only in the journal (loads every minute)
    [InlineData(true)] // killed after a read loaded them: only in DuckDB's WAL, no checkpoint yet
    public async Task AcknowledgedPushesSurviveAKill(bool loadedBeforeKill)
    {
        var database = Path.Combine(directory, "crash.duckdb");
        await using var service = await ServiceProcess.StartAsync(
            database,
            new Dictionary<string, string>
            {
                ["Warehouse__DuckDbIdleCheckpointAfter"] = "01:00:00",
                ["Warehouse__DuckDbLoadInterval"] = "00:01:00",
            });
        var client = service.Client;

        const int pushes = 60;
        for (var i = 1; i <= pushes; i++)
        {
            var json = i % 3 == 0 ? Payloads.Order(i, "IST") : Payloads.CourierStart(i);
            using var response = await client.PushAsync(json, $"m{i}", IngestRecords.Published.AddSeconds(i));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        if (loadedBeforeKill)
        {
            using var read = await client.GetAsync("/conversations?limit=1"); // a read loads what was acknowledged
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var wal = new FileInfo(database + ".wal");
        var journal = DuckDbJournal.List(database).Single();
        Assert.True(new FileInfo(journal.Path).Length > DuckDbJournal.HeaderBytes, "every acknowledged push is in the journal");
        Assert.True(!loadedBeforeKill || (wal.Exists && wal.Length > 0), "the loaded rows are in DuckDB's WAL, not checkpointed");
        service.Signal(ServiceProcess.SigKill); // no shutdown, no checkpoint
        await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        using var reopened = new DuckDbWarehouse(
            Options.Create(new WarehouseOptions { DuckDbPath = database }), TimeProvider.System, NullLogger<DuckDbWarehouse>.Instance);
        await reopened.InitializeAsync(CancellationToken.None);
        using var connection = reopened.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM conversations) || ' ' || (SELECT count(*) FROM orders)";
        Assert.Equal($"{pushes - (pushes / 3)} {pushes / 3}", command.ExecuteScalar());
        Assert.Equal(journal.Generation + 1, DuckDbJournal.List(database).Single().Generation); // replayed once, then replaced
    }
}
