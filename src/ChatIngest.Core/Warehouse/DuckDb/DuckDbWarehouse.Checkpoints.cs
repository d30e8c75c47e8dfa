using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>Checkpoints: when one is due, and whether the disk has room for it (see <see cref="CheckpointIfDue"/>).</summary>
public sealed partial class DuckDbWarehouse
{
    /// <summary>Room a checkpoint needs on the disk besides half the WAL's size (see <see cref="HasRoomForCheckpoint"/>).</summary>
    private const long CheckpointHeadroom = 4L * 1024 * 1024;

    /// <summary>
    /// Checkpoints (folds the WAL into the file) between loads, never inside one: when nothing was loaded for
    /// <see cref="WarehouseOptions.DuckDbIdleCheckpointAfter"/> and the WAL holds something, or, under steady load,
    /// once conversations got <see cref="WarehouseOptions.DuckDbCheckpointRows"/> rows, orders
    /// <see cref="WarehouseOptions.DuckDbCheckpointOrderRows"/>, or the WAL reaches
    /// <see cref="WarehouseOptions.DuckDbCheckpointWalMegabytes"/>. Until a checkpoint, DuckDB
    /// cannot evict what was written since the last one, so this is also what keeps memory flat. A load waits while a
    /// checkpoint runs; acknowledgements do not. A failed checkpoint fails nothing.
    /// </summary>
    internal bool CheckpointIfDue()
    {
        if (Volatile.Read(ref loader) is not { } current || !IsDue(current))
        {
            return false;
        }

        lock (current.Database)
        {
            if (!IsDue(current))
            {
                return false;
            }

            if (!HasRoomForCheckpoint())
            {
                return false;
            }

            var started = time.GetTimestamp();
            try
            {
                TrimCache(current); // what was cached since the last trim: the checkpoint's own buffers then start lower
                current.Checkpoint();
                TrimCache(current); // what the checkpoint wrote
            }
            catch (DuckDBException e) when (DuckDbLoader.IsInvalidated(e))
            {
                current.Invalidate(e); // a checkpoint that could not write (the disk full) leaves DuckDB unusable
                throw;
            }

            var milliseconds = time.GetElapsedTime(started).TotalMilliseconds;
            LogCheckpointed(logger, milliseconds);
            return true;
        }
    }

    /// <summary>Drops DuckDB's cached table blocks unless a read is running (<see cref="DuckDbLoader.TrimCache"/>).</summary>
    private void TrimCache(DuckDbLoader current)
    {
        if (reads.TryEnterWriteLock(0))
        {
            try
            {
                current.TrimCache();
            }
            finally
            {
                reads.ExitWriteLock();
            }
        }
    }

    private long WalBytes => new FileInfo(path + ".wal") is { Exists: true } wal ? wal.Length : 0;

    /// <summary>
    /// Whether the disk has room for a checkpoint. One that runs out of room invalidates the database, and only a restart
    /// opens it again, so while the disk clearly has too little it is put off, and runs once there is room. The bar is
    /// half the WAL's size plus <see cref="CheckpointHeadroom"/>: at checkpoints of the benchmark's pushes the file grew
    /// by up to 0.45 times the WAL's size. A higher bar would be safer for checkpoints that need more (dead letters of
    /// random bytes grew the file by up to 1.8 times), but while a checkpoint is put off loads fill the room with WAL, so
    /// a higher bar would want more room freed before the service goes on than a restart needs (docs/reliability.md).
    /// A checkpoint that needs more than the bar still ends in the invalidation. Under the database lock.
    /// </summary>
    private bool HasRoomForCheckpoint()
    {
        var needed = (WalBytes / 2) + CheckpointHeadroom;
        if (DiskRoom.For(path) is { } room && room < needed)
        {
            if (!checkpointPutOff)
            {
                checkpointPutOff = true;
                LogCheckpointPutOff(logger, path, room, needed);
            }

            return false;
        }

        if (checkpointPutOff)
        {
            checkpointPutOff = false;
            LogCheckpointResumed(logger, path);
        }

        return true;
    }

    private bool IsDue(DuckDbLoader current)
    {
        var walBytes = WalBytes;
        return walBytes > 0
            && (time.GetElapsedTime(current.LastLoad) >= options.Value.DuckDbIdleCheckpointAfter
                || current.ChatsSinceCheckpoint >= options.Value.DuckDbCheckpointRows
                || current.OrdersSinceCheckpoint >= options.Value.DuckDbCheckpointOrderRows
                || walBytes >= options.Value.DuckDbCheckpointWalMegabytes * 1024L * 1024L);
    }

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "DuckDB checkpoint took {Milliseconds} ms")]
    private static partial void LogCheckpointed(ILogger logger, double milliseconds);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "DuckDB checkpoint put off: the disk has {Room} bytes of room for {Path}, and the checkpoint may need {Needed}; it runs once there is room")]
    private static partial void LogCheckpointPutOff(ILogger logger, string path, long room, long needed);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "The disk has room for a DuckDB checkpoint of {Path} again")]
    private static partial void LogCheckpointResumed(ILogger logger, string path);
}
