using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Checkpoints the DuckDB file between commits: while writes pause, or when the WAL has grown (see
/// <see cref="DuckDbWarehouse.CheckpointIfDue"/>). Does nothing when the warehouse is not DuckDB.
/// </summary>
internal sealed partial class DuckDbCheckpointer(
    IServiceProvider services,
    IOptions<WarehouseOptions> options,
    TimeProvider time,
    ILogger<DuckDbCheckpointer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetRequiredService<IWarehouse>() is not DuckDbWarehouse warehouse)
        {
            return;
        }

        // Often enough to catch the WAL reaching its threshold soon (a larger WAL makes a longer checkpoint).
        var period = TimeSpan.FromTicks(Math.Min(options.Value.DuckDbIdleCheckpointAfter.Ticks / 2, MaxPeriod.Ticks));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    warehouse.CheckpointIfDue();
                }
                catch (DuckDBException e) when (DuckDbLoader.IsInvalidated(e))
                {
                    return; // the loader says so and stops the service (DuckDbLoader.Invalidate)
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Not data loss: the WAL stays until a later checkpoint (or DuckDB's own at the cap) folds it in.
                    LogCheckpointFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "DuckDB checkpoint failed; retrying later")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception error);
}
