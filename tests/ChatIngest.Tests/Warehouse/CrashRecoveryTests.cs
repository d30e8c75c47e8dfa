using System.Net;
using ChatIngest.Core.Warehouse;
using ChatIngest.Core.Warehouse.DuckDb;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatIngest.Tests.Warehouse;

/// <summary>
/// Checkpoints are deferred (the WAL may grow large between them), so what a 204 promised must survive the process
/// dying without one: the real service as a child process, killed with SIGKILL, then the file opened again.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task AcknowledgedPushesSurviveAKillBeforeAnyCheckpoint()
    {
        var database = Path.Combine(directory, "crash.duckdb");
        await using var service = await ServiceProcess.StartAsync(
            database, new Dictionary<string, string> { ["Warehouse__DuckDbIdleCheckpointAfter"] = "01:00:00" });
        var client = service.Client;

        const int pushes = 60;
        for (var i = 1; i <= pushes; i++)
        {
            var json = i % 3 == 0 ? Payloads.Order(i, "IST") : Payloads.CourierStart(i);
            using var response = await client.PushAsync(json, $"m{i}", IngestRecords.Published.AddSeconds(i));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var wal = new FileInfo(database + ".wal");
        Assert.True(wal.Exists && wal.Length > 0, "the acknowledged rows are still only in the WAL");
        service.Signal(ServiceProcess.SigKill); // no shutdown, no checkpoint
        await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        using var reopened = new DuckDbWarehouse(
            Options.Create(new WarehouseOptions { DuckDbPath = database }), TimeProvider.System, NullLogger<DuckDbWarehouse>.Instance);
        await reopened.InitializeAsync(CancellationToken.None);
        using var connection = reopened.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM conversations) || ' ' || (SELECT count(*) FROM orders)";
        Assert.Equal($"{pushes - (pushes / 3)} {pushes / 3}", command.ExecuteScalar());
    }
}
