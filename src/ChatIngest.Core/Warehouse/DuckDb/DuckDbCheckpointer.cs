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
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetRequiredService<IWarehouse>() is not DuckDbWarehouse warehouse)
        {
            return;
        }

        var period = options.Value.DuckDbIdleCheckpointAfter / 2;
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    warehouse.CheckpointIfDue();
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
