using ChatIngest.Core.Warehouse.DuckDb;
using Microsoft.Extensions.Hosting;

namespace ChatIngest.Tests.Support;

/// <summary>
/// A test class whose tests each have a DuckDB file of their own (<see cref="Database"/>, in <see cref="Folder"/>,
/// deleted after the test), opened as the service opens it.
/// </summary>
public abstract class WarehouseFileTests : IDisposable
{
    protected string Folder { get; } = TempPaths.NewDirectory();

    protected string Database => Path.Combine(Folder, "j.duckdb");

    public void Dispose()
    {
        TempPaths.TryDelete(Folder);
        GC.SuppressFinalize(this);
    }

    protected Task<DuckDbWarehouse> OpenAsync(
        TimeSpan? loadInterval = null, int maxPendingRows = 200_000, int recentKeys = 1_000_000, TimeSpan? idleCheckpointAfter = null, int? threads = null,
        IHostApplicationLifetime? lifetime = null) =>
        JournaledWarehouse.OpenAsync(Database, loadInterval, maxPendingRows, recentKeys, idleCheckpointAfter, threads, lifetime);
}
