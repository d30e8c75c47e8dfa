using System.Diagnostics;
using System.Globalization;
using ChatIngest.Core.Ingest;
using ChatIngest.Core.Messages;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace ChatIngest.Core.Warehouse.DuckDb;

/// <summary>
/// Moves journaled rows into the DuckDB tables on its own thread, off the acknowledgement path: whatever is pending,
/// in one transaction, every <see cref="WarehouseOptions.DuckDbLoadInterval"/> (sooner when a read asks for it or a
/// row group's worth waits, see <see cref="LoadAtRows"/>; later, up to four intervals, when rows come fast enough to
/// fill a row group by then, see <see cref="IsDue"/>). Each load also records the journal
/// position it reached, so loads are exactly once across crashes. Owns the write connection; checkpoints take the same
/// lock, so they delay loads but never an acknowledgement.
/// A failed load is retried with backoff: its rows are durable in the journal. While loads fail, pending rows pile up
/// to <see cref="WarehouseOptions.DuckDbMaxPendingRows"/>, and then writes wait for room and get 503s.
/// </summary>
internal sealed partial class DuckDbLoader : IDisposable
{
    private readonly DuckDBConnection connection;
    private readonly string databasePath;
    private readonly WarehouseOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Action? invalidated; // the owner's reaction to DuckDB invalidating the database: stop the service
    /// <summary>The momentary memory limit of <see cref="TrimCache"/>.</summary>
    private const int TrimmedMemoryLimitMegabytes = 8;

    /// <summary>DuckDB's row group size (rows): a transaction that appends this many writes them straight to the file.</summary>
    internal const int RowGroupRows = 122_880;

    /// <summary>How many load intervals a fast stream of rows may wait to fill a row group.</summary>
    private const int RowGroupWaitIntervals = 4;

    private readonly Dictionary<string, DuckDBCommand> commands = new(StringComparer.Ordinal);
    private readonly object gate = new(); // a monitor: loads wait on it for work, writes and reads for loads
    private readonly Thread thread;
    private PendingFrames pending = new();
    private PendingFrames spare = new();
    private int loadingRows; // the rows of the load under way (out of pending, not in the tables yet)
    private JournalPosition pendingEnd;
    private long pendingSince;
    private long enqueued;
    private long loaded;
    private bool flushRequested;
    private bool stopping;
    private long releasedBefore;
    private long ordersSinceCheckpoint;
    private long chatsSinceCheckpoint;
    private Exception? lastFailure;
    private int failedLoads; // in a row, up to now; written by the loader's thread only, under the gate
    private long failedLoadsEver;

    /// <summary>
    /// Loads failed in a row (~0.4 s of retries) after which a read waiting for them fails with the cause, once one more
    /// has failed while it waited (the cause may be gone by the next try).
    /// </summary>
    private const int ReadsGiveUpAfterFailedLoads = 3;

    public DuckDbLoader(DuckDBConnection connection, string databasePath, WarehouseOptions options, TimeProvider time, ILogger logger,
        Action? invalidated = null)
    {
        this.invalidated = invalidated;
        this.connection = connection;
        this.databasePath = databasePath;
        this.options = options;
        this.time = time;
        this.logger = logger;
        LastLoad = time.GetTimestamp();
        thread = new Thread(Run) { IsBackground = true, Name = "DuckDB loader" };
    }

    /// <summary>Set when DuckDB invalidated the database (see <see cref="IsInvalidated"/>): the loader has stopped.</summary>
    public bool Invalidated { get; private set; }

    /// <summary>A test's way to make the next loads fail as DuckDB would.</summary>
    internal Action? FaultBeforeLoad { get; set; }

    /// <summary>Held while the connection is used: a load or a checkpoint.</summary>
    public Lock Database { get; } = new();

    /// <summary><see cref="TimeProvider"/> timestamp of the last load (for the idle checkpoint).</summary>
    public long LastLoad { get; private set; }

    /// <summary>Order events loaded since the last checkpoint.</summary>
    public long OrdersSinceCheckpoint => Interlocked.Read(ref ordersSinceCheckpoint);

    /// <summary>Chat messages loaded since the last checkpoint.</summary>
    public long ChatsSinceCheckpoint => Interlocked.Read(ref chatsSinceCheckpoint);

    public void Start() => thread.Start();

    /// <summary>Waits until <paramref name="rows"/> more fit among the pending ones; throws when they do not in time.</summary>
    public void WaitForRoom(int rows, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (gate)
        {
            while (pending.Rows > 0 && pending.Rows + rows > options.DuckDbMaxPendingRows)
            {
                flushRequested = true;
                Monitor.PulseAll(gate);
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || Invalidated)
                {
                    throw new WarehouseUnavailableException(
                        $"{pending.Rows} journaled rows are waiting to be loaded into DuckDB (Warehouse__DuckDbMaxPendingRows).", lastFailure);
                }

                Monitor.Wait(gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }
    }

    /// <summary>Hands over a journaled payload (copied) that ends at <paramref name="end"/>; never blocks.</summary>
    public void Enqueue(ReadOnlySpan<byte> payload, JournalPosition end)
    {
        lock (gate)
        {
            var wasIdle = pending.Rows == 0;
            if (wasIdle)
            {
                pendingSince = Stopwatch.GetTimestamp();
            }

            pending.Add(payload);
            pendingEnd = end;
            enqueued++;
            if (wasIdle || pending.Rows >= LoadAtRows)
            {
                Monitor.PulseAll(gate); // an idle loader sleeps until work comes; then it times the interval
            }
        }
    }

    /// <summary>
    /// Returns once everything enqueued before the call is in the tables (reads see what was acknowledged). Throws, for a
    /// 503, at the timeout, or sooner with the cause when loads keep failing (the disk full), rather than make the read wait.
    /// </summary>
    public void Flush(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (gate)
        {
            var target = enqueued;
            var failedBefore = failedLoadsEver;
            while (loaded < target)
            {
                flushRequested = true;
                Monitor.PulseAll(gate);
                var left = deadline - Stopwatch.GetTimestamp();
                var loadsKeepFailing = failedLoads >= ReadsGiveUpAfterFailedLoads && failedLoadsEver > failedBefore;
                if (left <= 0 || !thread.IsAlive || Invalidated || loadsKeepFailing)
                {
                    throw new WarehouseUnavailableException(
                        Invalidated ? "DuckDB invalidated the database after a fatal error and must be reopened; the service is stopping so that a restart does."
                        : loadsKeepFailing ? $"Acknowledged rows could not be loaded into DuckDB: {lastFailure!.Message}"
                        : "Acknowledged rows could not be loaded into DuckDB in time.", lastFailure);
                }

                Monitor.Wait(gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }
    }

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
            DuckDbJournal.Release(databasePath, end.Generation); // the tables hold every older segment now
            releasedBefore = end.Generation;
        }
    }

    /// <summary>Journaled rows not loaded yet: those waiting, and those of a load under way.</summary>
    public int PendingRows
    {
        get
        {
            lock (gate)
            {
                return pending.Rows + loadingRows;
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

    /// <summary>Stops taking work, loads what is pending, and closes the connection.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            stopping = true;
            Monitor.PulseAll(gate);
        }

        if (thread.IsAlive)
        {
            thread.Join();
        }

        foreach (var command in commands.Values)
        {
            command.Dispose();
        }

        commands.Clear();
        connection.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            PendingFrames batch;
            JournalPosition end;
            long sequence;
            lock (gate)
            {
                while (!Invalidated && !IsDue())
                {
                    if (stopping && pending.Rows == 0)
                    {
                        return;
                    }

                    Monitor.Wait(gate, pending.Rows == 0 ? Timeout.InfiniteTimeSpan : options.DuckDbLoadInterval / 4);
                }

                if (Invalidated)
                {
                    break; // found by a checkpoint (Invalidate)
                }

                batch = pending; // two buffers, swapped: no large array per load
                pending = spare;
                loadingRows = batch.Rows;
                end = pendingEnd;
                sequence = enqueued;
                flushRequested = false;
            }

            try
            {
                FaultBeforeLoad?.Invoke();
                Load(batch, end);
                batch.Clear();
                lock (gate)
                {
                    spare = batch;
                    loadingRows = 0;
                    loaded = sequence;
                    lastFailure = null;
                    failedLoads = 0;
                    Monitor.PulseAll(gate);
                }
            }
            catch (Exception e) when (e is DuckDBException or IOException or InvalidOperationException)
            {
                var invalid = IsInvalidated(e);
                if (!invalid)
                {
                    RollBack(); // a failed COMMIT leaves the connection in an aborted transaction
                }

                var attempt = failedLoads + 1; // only this thread writes it
                LogLoadFailed(logger, batch.Rows, attempt, e);
                lock (gate)
                {
                    batch.Add(pending); // keep the journal's order
                    pending.Clear();
                    spare = pending;
                    pending = batch;
                    loadingRows = 0;
                    lastFailure = e;
                    failedLoads = attempt;
                    failedLoadsEver++;
                    Monitor.PulseAll(gate); // a read waiting for these rows may give up now
                    if (invalid)
                    {
                        Invalidate(e);
                    }

                    if (invalid || (stopping && attempt >= 5))
                    {
                        break; // the journal keeps them: the next start loads them
                    }
                }

                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(2000, 50 << Math.Min(attempt, 6))));
            }
        }

        if (Invalidated)
        {
            LogInvalidated(logger, lastFailure!.Message);
            invalidated?.Invoke();
        }
    }

    /// <summary>
    /// DuckDB's state after a fatal error (a checkpoint that could not write, the disk full): every later statement fails
    /// with "database has been invalidated … must be restarted", even once the cause is gone.
    /// </summary>
    internal static bool IsInvalidated(Exception e) => e.Message.Contains("database has been invalidated", StringComparison.Ordinal);

    /// <summary>
    /// Stops the loader for an invalidated database, found by a load or by a checkpoint (which runs when no rows wait,
    /// so that no load would ever find it). Reads and writes waiting for a load fail now, not at their timeouts; the
    /// loader's thread reports it and stops the service.
    /// </summary>
    internal void Invalidate(Exception e)
    {
        lock (gate)
        {
            Invalidated = true;
            lastFailure = e;
            Monitor.PulseAll(gate);
        }
    }

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
        catch (DuckDBException)
        {
            // No transaction was open.
        }
    }

    private bool IsDue()
    {
        if (pending.Rows == 0)
        {
            return false;
        }

        if (flushRequested || stopping || pending.Rows >= LoadAtRows)
        {
            return true;
        }

        return IntervalIsUp(pending.Rows, Stopwatch.GetElapsedTime(pendingSince), options.DuckDbLoadInterval, LoadAtRows);
    }

    /// <summary>
    /// Whether <paramref name="rows"/> that have waited <paramref name="waited"/> are loaded now. Rows coming fast enough
    /// to make <paramref name="loadAtRows"/> within <see cref="RowGroupWaitIntervals"/> intervals (a replay) wait for
    /// it, at most that long; slower ones (pushes) are loaded after one interval, so less waits in memory.
    /// </summary>
    internal static bool IntervalIsUp(int rows, TimeSpan waited, TimeSpan interval, int loadAtRows)
    {
        if (waited < interval)
        {
            return false;
        }

        var rowGroupSoon = rows * (RowGroupWaitIntervals * interval.Ticks) >= (long)loadAtRows * waited.Ticks;
        return !rowGroupSoon || waited >= RowGroupWaitIntervals * interval;
    }

    /// <summary>
    /// Pending rows that start a load before the interval is up: a DuckDB row group, which DuckDB writes straight to the
    /// file instead of the WAL (then checkpointed: written twice), unless half the pending limit comes first.
    /// </summary>
    private int LoadAtRows => Math.Min(RowGroupRows, options.DuckDbMaxPendingRows / 2);

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

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Loading {Rows} journaled rows into DuckDB failed (attempt {Attempt}); they stay in the journal and are retried")]
    private static partial void LogLoadFailed(ILogger logger, int rows, int attempt, Exception error);
}
