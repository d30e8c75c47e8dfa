using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
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
public sealed partial class CrashRecoveryTests : IDisposable
{
    private readonly string directory = TempPaths.NewDirectory();

    public void Dispose() => TempPaths.TryDelete(directory);

    [Fact]
    public async Task AcknowledgedPushesSurviveAKillBeforeAnyCheckpoint()
    {
        var database = Path.Combine(directory, "crash.duckdb");
        using var service = StartService(database);
        var baseAddress = await ListeningAddressAsync(service);
        using var client = new HttpClient { BaseAddress = baseAddress };

        const int pushes = 60;
        for (var i = 1; i <= pushes; i++)
        {
            var json = i % 3 == 0 ? IngestRecords.OrderJson(i) : IngestRecords.ChatJson(i);
            using var response = await client.PushAsync(json, $"m{i}", IngestRecords.Published.AddSeconds(i));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var wal = new FileInfo(database + ".wal");
        Assert.True(wal.Exists && wal.Length > 0, "the acknowledged rows are still only in the WAL");
        service.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no checkpoint
        await service.WaitForExitAsync();

        using var reopened = new DuckDbWarehouse(
            Options.Create(new WarehouseOptions { DuckDbPath = database }), TimeProvider.System, NullLogger<DuckDbWarehouse>.Instance);
        await reopened.InitializeAsync(CancellationToken.None);
        using var connection = reopened.OpenRead();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM conversations) || ' ' || (SELECT count(*) FROM orders)";
        Assert.Equal($"{pushes - (pushes / 3)} {pushes / 3}", command.ExecuteScalar());
    }

    private static Process StartService(string database)
    {
        var api = Path.Combine(AppContext.BaseDirectory, "ChatIngest.Api.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                api, "--urls", "http://127.0.0.1:0", $"--Warehouse:DuckDbPath={database}",
                "--Warehouse:DuckDbIdleCheckpointAfter=01:00:00", "--Logging:LogLevel:Default=Information",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>Kestrel prints where it listens once it is ready (Microsoft.Hosting.Lifetime, Information).</summary>
    private static async Task<Uri> ListeningAddressAsync(Process service)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await service.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException($"the service exited before listening: {await service.StandardError.ReadToEndAsync()}");
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
