using System.Globalization;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>What the loader does to the database: a load, a checkpoint, a cache trim, its prepared scripts.</summary>
internal sealed partial class DuckDbLoader
{
    /// <summary>
    /// Stores journaled entries in one transaction together with the journal position they end at: appends for new
    /// rows, the keyed merge for dead letters, the first-publication update for earlier publications of stored rows.
    /// </summary>
    public void Load(PendingFrames frames, JournalPosition end)
    {
        lock (Database)
        {
            using (var transaction = connection.BeginTransaction())
            {
                BatchKinds stored, earlier;
                using (var appender = new DuckDbRowAppender(connection))
                {
                    appender.Append(frames.Payloads);
                    (stored, earlier) = (appender.Stored, appender.Earlier);
                }

                if (stored.DeadLetters > 0)
                {
                    Command("merge_dead_letters").ExecuteNonQuery();
                    Command("clear_stage_dead_letters").ExecuteNonQuery();
                }

                foreach (var (table, count) in new[] { ("orders", earlier.Orders), ("conversations", earlier.Chats) })
                {
                    if (count > 0)
                    {
                        Command("first_publication", table).ExecuteNonQuery();
                        Command($"clear_stage_{table}").ExecuteNonQuery();
                    }
                }

                var position = Command("journal_loaded");
                position.Parameters.Clear();
                position.Parameters.Add(new DuckDBParameter("generation", end.Generation));
                position.Parameters.Add(new DuckDBParameter("loaded_to", end.Offset));
                position.ExecuteNonQuery();
                transaction.Commit();
                Interlocked.Add(ref ordersSinceCheckpoint, stored.Orders);
                Interlocked.Add(ref chatsSinceCheckpoint, stored.Chats);
            }

            LastLoad = time.GetTimestamp();
        }

        if (end.Generation > releasedBefore)
        {
            // The load is committed: a segment that cannot be released now is no failed load (that would load the
            // same rows again). It stays on disk, harmless (loads resume from the recorded position), and the next
            // load tries again.
            try
            {
                FaultOnRelease?.Invoke();
                DuckDbJournal.Release(databasePath, end.Generation); // the tables hold every older segment now
                releasedBefore = end.Generation;
            }
            catch (Exception e)
            {
                // Any failure, not only the disk's: thrown out of here it would count as a failed load, and the
                // committed rows would be loaded again.
                LogReleaseFailed(logger, end.Generation, e);
            }
        }
    }

    /// <summary>
    /// Folds DuckDB's WAL into the database file (CHECKPOINT), between loads, on one DuckDB thread: each thread
    /// compresses row groups with buffers of its own, and those buffers were the peaks of the process's memory.
    /// </summary>
    public void Checkpoint()
    {
        lock (Database)
        {
            var threads = Convert.ToInt64(DuckDbWarehouse.Scalar(connection, "SELECT current_setting('threads')"), CultureInfo.InvariantCulture);
            DuckDbWarehouse.Execute(connection, "SET threads = 1");
            try
            {
                Command("checkpoint").ExecuteNonQuery();
                Interlocked.Exchange(ref ordersSinceCheckpoint, 0);
                Interlocked.Exchange(ref chatsSinceCheckpoint, 0);
            }
            finally
            {
                DuckDbWarehouse.Execute(connection, string.Create(CultureInfo.InvariantCulture, $"SET threads = {threads}"));
            }
        }
    }

    /// <summary>
    /// Drops DuckDB's cached table blocks. DuckDB keeps every block it wrote or read until its memory limit (80 % of
    /// RAM by default) is reached, so under steady writes its memory grows with the table. Lowering the limit for a
    /// moment evicts what can be evicted (after a checkpoint: every block, all being on disk); then the limit is set
    /// back. Runs before and after each checkpoint; the caller makes sure no read is running meanwhile (a read could not
    /// get its memory under the low limit).
    /// </summary>
    public void TrimCache()
    {
        lock (Database)
        {
            // Set back to the value it had: RESET would change DuckDB's setting but not its buffer pool's limit.
            var limit = ((string)DuckDbWarehouse.Scalar(connection, "SELECT current_setting('memory_limit')")!).Replace("'", "", StringComparison.Ordinal);
            try
            {
                DuckDbWarehouse.Execute(connection, $"SET memory_limit = '{TrimmedMemoryLimitMegabytes}MB'");
            }
            catch (DuckDBException)
            {
                // Some blocks are pinned: the others were evicted all the same.
            }
            finally
            {
                DuckDbWarehouse.Execute(connection, $"SET memory_limit = '{limit}'");
            }
        }
    }

    public JournalPosition ReadPosition()
    {
        using var reader = Command("journal_position").ExecuteReader();
        return reader.Read() ? new JournalPosition(reader.GetInt64(0), reader.GetInt64(1)) : default;
    }

    /// <summary>
    /// DuckDB's state after a fatal error (a checkpoint that could not write, the disk full): every later statement fails
    /// with "database has been invalidated … must be restarted", even once the cause is gone.
    /// </summary>
    internal static bool IsInvalidated(Exception e) => e.Message.Contains("database has been invalidated", StringComparison.Ordinal);

    /// <summary>Ends the transaction a failed load may have left open (a failed COMMIT leaves it aborted).</summary>
    private void RollBack()
    {
        try
        {
            lock (Database)
            {
                DuckDbWarehouse.Execute(connection, "ROLLBACK");
            }
        }
        catch (Exception e) when (e is DuckDBException or InvalidOperationException)
        {
            // No transaction was open (or the connection is gone: the load is kept either way).
        }
    }

    /// <summary>A prepared script; <paramref name="table"/> fills a script's <c>{table}</c>.</summary>
    private DuckDBCommand Command(string script, string? table = null)
    {
        var name = table is null ? script : $"{script}_{table}";
        if (!commands.TryGetValue(name, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = SqlScripts.Load($"duckdb/{script}.sql").Replace("{table}", table, StringComparison.Ordinal);
            commands[name] = command;
        }

        return command;
    }

    [LoggerMessage(EventId = 208, Level = LogLevel.Critical, Message = "DuckDB invalidated the database after a fatal error ({Error}); it cannot be used again until it is reopened, so the service stops. Every acknowledged row is in the journal and is loaded at the next start")]
    private static partial void LogInvalidated(ILogger logger, string error);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Journal segments before generation {Generation} are loaded but could not be released; they stay on disk and the next load tries again")]
    private static partial void LogReleaseFailed(ILogger logger, long generation, Exception exception);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Loading {Rows} journaled rows into DuckDB failed (attempt {Attempt}); they stay in the journal and are retried")]
    private static partial void LogLoadFailed(ILogger logger, int rows, int attempt, Exception error);
}
